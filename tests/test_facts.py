"""Facts (SPEC §9): periods, kinds, places, purposes, operators and cameras, on real wordings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.support.corpus import corpus
from watchbot.cli import main
from watchbot.core.models import Act, Page
from watchbot.core.settings import BUNDLED_RULES
from watchbot.evaluate.facts import FIELDS, evaluate_facts, label_files
from watchbot.facts.dates import periods
from watchbot.facts.extract import kind, read_facts
from watchbot.match import rules
from watchbot.match.normalize import fold

VOCABULARY = rules.load(BUNDLED_RULES).vocabulary
DATA = Path(__file__).parent / "data" / "rules" / "acts"


def period(text: str, act_day: date | None = date(2026, 5, 2)) -> list[tuple]:
    return [(span.start, span.end, span.times) for span in periods(fold(text), act_day)]


@pytest.mark.parametrize("text, expected", [
    ("du 12 au 14 juin 2026", [(date(2026, 6, 12), date(2026, 6, 14), ())]),
    ("le samedi 1er mai de 8h à 20h", [(date(2026, 5, 1), date(2026, 5, 1), ("08:00-20:00",))]),
    ("jusqu'au 31 décembre inclus", [(None, date(2026, 12, 31), ())]),
    ("du lundi 10 au vendredi 14 février 2025 de 15h00 à 22h00",
     [(date(2025, 2, 10), date(2025, 2, 14), ("15:00-22:00",))]),
    ("du samedi 25 janvier 2025 à 18h05 au dimanche 26 janvier 2025 à 01h05",
     [(date(2025, 1, 25), date(2025, 1, 26), ("18:05-01:05",))]),
    ("les 11, 12 et 13 juin 2025", [(date(2025, 6, 11), date(2025, 6, 13), ())]),
    ("le 25 et le 26 novembre 2023", [(date(2023, 11, 25), date(2023, 11, 26), ())]),
    ("le 14 juin 2025 sur la plage horaire 10h00 - 18h00", [(date(2025, 6, 14), date(2025, 6, 14), ("10:00-18:00",))]),
    ("le 14 juin 2025 durant la plage horaire de 10h00 à 18h00",
     [(date(2025, 6, 14), date(2025, 6, 14), ("10:00-18:00",))]),
    ("les samedis 14 et 21 juin 2025 de 10h à 18h", [(date(2025, 6, 14), date(2025, 6, 21), ("10:00-18:00",))]),
    ("du 1er au 31 juillet 2025, les vendredis et samedis de 22h à 4h",
     [(date(2025, 7, 1), date(2025, 7, 31), ("22:00-04:00",))]),
    ("à compter du 14 juin 2025 à 20h00 et jusqu'au 15 juin 2025 à 2h00",
     [(date(2025, 6, 14), date(2025, 6, 15), ("20:00-02:00",))]),
    ("le mercredi 05, jeudi 06 et vendredi 07 février 2025 de 15h00 à 22h00",
     [(date(2025, 2, 5), date(2025, 2, 7), ("15:00-22:00",))]),
    ("du 17 a22 juin 2025 inclus", [(date(2025, 6, 17), date(2025, 6, 22), ())]),
    ("le 12/06/2026", [(date(2026, 6, 12), date(2026, 6, 12), ())]),
    ("survol drone police 02 10 2025", [(date(2025, 10, 2), date(2025, 10, 2), ())]),
    ("du 28 au 3 mars 2025", [(date(2025, 2, 28), date(2025, 3, 3), ())]),
    ("du jeudi 14 août 2025, 12h00, au dimanche 17 août 2025, minuit",
     [(date(2025, 8, 14), date(2025, 8, 17), ("12:00-24:00",))]),
    ("devant se tenir le lundi 9 octobre 2023 à 14h00", [(date(2023, 10, 9), date(2023, 10, 9), ("14:00-",))]),
    ("le dimanche 08juin  2025  de 12h00  à 20h00", [(date(2025, 6, 8), date(2025, 6, 8), ("12:00-20:00",))]),
    ("à partir du 3 juillet 2025 jusqu'au 1° septembre 2025 de 22h00 à 03h00",
     [(date(2025, 7, 3), date(2025, 9, 1), ("22:00-03:00",))]),
    # night slots, several slots, hours before the day, OCR and punctuation
    ("du lundi 2 juin 2025 à 18h00 au lundi 30 juin 2025 à 0 9h00 inclus",
     [(date(2025, 6, 2), date(2025, 6, 30), ("18:00-09:00",))]),
    ("du vendredi 13 au dimanche 15 juin 2025 de 22 heures à 6 heures",
     [(date(2025, 6, 13), date(2025, 6, 15), ("22:00-06:00",))]),
    ("du 14 au 20 juin 2025 inclus, chaque jour, de 18h00 à 02h00",
     [(date(2025, 6, 14), date(2025, 6, 20), ("18:00-02:00",))]),
    # a night's slot ends the next day (tests/data/facts/tune/FROM-HELD-OUT-2.md)
    ("le 14 juin 2025 de 18h30 jusqu'au lendemain 2h30", [(date(2025, 6, 14), date(2025, 6, 15), ("18:30-02:30",))]),
    ("le 14 juin 2025 à partir de 18h00 et jusqu'à 2h00", [(date(2025, 6, 14), date(2025, 6, 15), ("18:00-02:00",))]),
    ("le 14 juin 2025 de 8h30 à 12h30 et de 14h00 à 18h00",
     [(date(2025, 6, 14), date(2025, 6, 14), ("08:30-12:30", "14:00-18:00"))]),
    ("le 14 juin 2025 : de 18:00 à 23:00", [(date(2025, 6, 14), date(2025, 6, 14), ("18:00-23:00",))]),
    ("de 10h00 à 18h00 le samedi 14 juin 2025", [(date(2025, 6, 14), date(2025, 6, 14), ("10:00-18:00",))]),
    ("de 18h00 le samedi 14 juin 2025 à 02h00 le dimanche 15 juin 2025",
     [(date(2025, 6, 14), date(2025, 6, 15), ("18:00-02:00",))]),
    ("du 14 juin 2025 (18h00) au 15 juin 2025 (02h00)", [(date(2025, 6, 14), date(2025, 6, 15), ("18:00-02:00",))]),
    ("interdiction d'une manifestation à Alfortville, le 31 mars 2025.", [(date(2025, 3, 31), date(2025, 3, 31), ())]),
    ("AP 2025-061 interdiction matériel de son - 11 au 14 07 25", [(date(2025, 7, 11), date(2025, 7, 14), ())]),
    ("le 14 juin 2025, 18h30 - 23h30", [(date(2025, 6, 14), date(2025, 6, 14), ("18:30-23:30",))]),
])
def test_french_periods(text, expected):
    assert period(text) == expected


def test_a_day_without_a_year_takes_the_acts_year_or_the_next_one():
    assert period("le 1er janvier", date(2025, 12, 20)) == [(date(2026, 1, 1), date(2026, 1, 1), ())]
    assert period("les 20 et 21 décembre", date(2023, 12, 14)) == [(date(2023, 12, 20), date(2023, 12, 21), ())]


@pytest.mark.parametrize("text", [
    "l'arrêté n° 2025-00490 du 24 avril 2025 autorisant la captation",
    "Arrêté du 31 janvier 2025 portant interdiction de rassemblements festifs",
    "Vu la demande en date du 07 février 2025",
    "Arrêté n°2026-0260 signé le 04/03/2026",
    "Toulon, le 10 février 2025",
    "Bureau des polices administratives Le Mans, le 23 avril 2024. ARRÊTÉ PRÉFECTORAL autorisant la captation",
    "Bureau de la sécurité intérieure Grenoble, le 17 septembre 2025 ARRÊTÉ 38-2025 autorisant",
    "Recueil spécial n° 180.2025 du 15/07/2025",
    "www.telerecours.fr 2/2Fait à Toulon, le 10/12/2024",
])
def test_a_date_that_names_another_text_or_the_signature_is_no_period(text):
    assert period(text) == []


@pytest.mark.parametrize("title, expected", [
    ("Arrêté 2025-00496 portant abrogation de l'arrêté n° 2025-00490 du 24 avril 2025 autorisant la captation",
     "repeal"),
    ("Arrêté n°2026-00181 modifiant l'arrêté n°2026-00168 portant renouvellement", "modification"),
    ("Arrêté n°2026-00248 renouvelant le périmètre de protection", "renewal"),
    ("Arrêté n°2022-01286 prolongeant l'arrêté n°2022-01048 du 2 septembre 2022 modifié instituant", "extension"),
    ("portant retrait de l'autorisation d'un système de vidéoprotection", "repeal"),
    ("Arrêté n° 2025-BSP-OP-13 autorisant la captation", "initial"),
    ("arrêté n° 2022-01048 du 2 septembre 2022 modifié instituant un périmètre", "initial"),
])
def test_kind_is_what_the_title_does_first(title, expected):
    assert kind(fold(title)) == expected


def act_of(file: str, title: str, ref: str | None = None) -> Act:
    text = (DATA / file).read_text(encoding="utf-8")
    pages = tuple(Page(number, page) for number, page in enumerate(text.split("\f"), 1))
    return Act(ref, title, 1, len(pages), pages)


def test_a_real_var_drone_authorisation():
    facts = read_facts(act_of("var_drones_gendarmerie.txt", "AP - Captation images - Aéronef", "83-2025-01-21-00004"),
                       VOCABULARY, ["drones"], department="83")
    assert (facts.kind, facts.start, facts.end) == ("initial", date(2025, 2, 8), date(2025, 2, 8))
    assert facts.times == ("07:00-14:00",)
    assert [(commune.name, commune.insee) for commune in facts.communes] == [("Saint-Maximin-la-Sainte-Baume", "83116")]
    assert facts.operators == ("gendarmerie",)
    assert facts.cameras == 1


def test_a_real_protection_perimeter_at_a_stadium():
    facts = read_facts(act_of("../../facts/acts/var_silt_perimeter_83-2025-03-28-00001.txt", "ARRÊTÉ PRÉFECTORAL n° "
                              "2025/BSP/PP/004 instaurant un périmètre de protection à Toulon aux abords et sur le "
                              "parvis du Stade Félix Mayol", "83-2025-03-28-00001"),
                       VOCABULARY, ["silt_perimeter"], department="83")
    assert (facts.start, facts.end, facts.times) == (date(2025, 4, 5), date(2025, 4, 5), ("10:30-17:30",))
    assert facts.scope == "site"
    assert any("Mayol" in place for place in facts.places)
    assert [commune.name for commune in facts.communes] == ["Toulon"]
    assert "terrorisme" in facts.purposes and "sport" in facts.purposes


def test_a_title_only_demonstration_ban_of_the_prefecture_de_police():
    act = Act("2023-01007", "Arrêté 2023-01007 portant interdiction d'un rassemblement le samedi 2 septembre 2023 à "
              "Thiais (Val-de-Marne)", None, None)
    facts = read_facts(act, VOCABULARY, ["demonstration_ban"], department="75")
    assert (facts.start, facts.end) == (date(2023, 9, 2), date(2023, 9, 2))
    assert [commune.insee for commune in facts.communes] == ["94073"]
    assert facts.purposes == ("manifestation",)


def test_a_repeal_gives_no_period_of_the_act_it_repeals():
    act = Act("2026-00181", "Arrêté 2026-00181 portant abrogation de l'arrêté n°2026-00168 du 10 février 2026 "
              "autorisant la captation … à Paris le 11 février 2026", None, None)
    facts = read_facts(act, VOCABULARY, ["drones"], department="75")
    assert facts.kind == "repeal"
    assert (facts.start, facts.end) == (None, None)


def test_courts_prefects_and_datelines_are_no_places():
    act = Act("83-2025-03-13-00002", "Arrêté", 1, 1, (Page(1, (
        "ARRÊTE\nArticle 1 – La captation est autorisée sur la commune de Hyères le jeudi 13 mars 2025.\n"
        "Article 4 – recours devant le tribunal administratif de  Toulon.\n"
        "Article 5 – Le préfet du Var est chargé de l'exécution.\nToulon, le 13 mars 2025\n")),))
    facts = read_facts(act, VOCABULARY, ["drones"], department="83")
    assert [commune.name for commune in facts.communes] == ["Hyères"]
    assert (facts.start, facts.end) == (date(2025, 3, 13), date(2025, 3, 13))


def test_a_cctv_bundle_has_no_facts_of_its_own():
    act = Act(None, "Arrêtés préfectoraux issus de la commission départementale des systèmes de vidéoprotection du "
              "7 octobre 2024", None, None)
    assert read_facts(act, VOCABULARY, ["videoprotection"], department="83").communes == ()


def drone_act(dispositif: str, considerants: str = "", title: str = "Arrêté autorisant la captation d'images") -> Act:
    text = f"{title}\nBureau de la sécurité publique\n{considerants}\nARRÊTE :\n{dispositif}\n"
    return Act(None, title, 1, 1, (Page(1, text),))


def test_purposes_come_from_the_acts_wording_not_from_the_laws_list_or_the_national_threat():
    act = drone_act(
        "Article 1 : La captation d'images par la DIPN est autorisée sur la commune de Carvin au titre de la prévention "
        "des atteintes à la sécurité des personnes et des biens le 8 juillet 2026 de 14h00 à 20h00.",
        "Considérant que les dispositions susvisées permettent aux forces de sécurité intérieure, dans l'exercice de "
        "leurs missions de prévention des atteintes à la sécurité des personnes et des biens, de procéder à la "
        "captation d'images ;\nConsidérant le contexte de menace terroriste dans le cadre du plan Vigipirate « urgence "
        "attentat » en vigueur sur l'ensemble du territoire national ;\nConsidérant que des rodéos urbains sont "
        "signalés tous les week-ends sur le secteur ; que le 4° du même article permet quant à lui la mise en œuvre de "
        "ces dispositifs en vue d'assurer la régulation des flux de transport ;")
    assert read_facts(act, VOCABULARY, ["drones"], department="62").purposes == ("rodeo",)


@pytest.mark.parametrize("dispositif, considerants, expected", [
    ("au titre de la prévention des atteintes à la sécurité des personnes et des biens", "", ("delinquance",)),
    ("afin de prévenir les atteintes à la sécurité dans plusieurs communes", "", ("delinquance",)),
    ("au titre de la prévention des atteintes à la sécurité des personnes et des biens et de la sécurité des "
     "rassemblements", "Considérant la manifestation revendicative déclarée ;", ("manifestation",)),
    ("au titre de la prévention des atteintes à la sécurité des personnes et des biens", "Considérant que le festival "
     "se tiendra sur la commune ;", ("festif",)),
    ("aux fins de prévenir les atteintes à la sécurité des personnes et des biens dans des lieux particulièrement "
     "exposés à des risques d'agression, de vol ou de trafic d'armes, d'êtres humains ou de stupéfiants",
     "Considérant que le festival se tiendra sur la commune ;", ("festif",)),
])
def test_the_laws_formula_is_delinquency_only_where_the_act_states_no_other_purpose(dispositif, considerants,
                                                                                      expected):
    act = drone_act(f"Article 1 : La captation est autorisée le 3 mai 2025 {dispositif}.", considerants)
    assert read_facts(act, VOCABULARY, ["drones"]).purposes == expected


def test_a_purpose_the_act_states_is_kept_and_a_date_is_no_festivity():
    act = drone_act("Article 1 : La captation est autorisée le lundi 14 juillet 2025 au titre de la prévention d'actes "
                    "de terrorisme et de la lutte contre les trafics de stupéfiants.")
    assert read_facts(act, VOCABULARY, ["drones"]).purposes == ("delinquance", "terrorisme")


def test_hours_an_article_gives_apart_from_the_days():
    act = drone_act("Article 1 : La captation est autorisée le samedi 14 juin 2025.\nArticle 2 : Elle est autorisée "
                    "de 10h00 à 18h00.\nArticle 3 : L'arrêté peut être consulté en préfecture de 9h00 à 12h00.")
    facts = read_facts(act, VOCABULARY, ["drones"])
    assert (facts.start, facts.end, facts.times) == (date(2025, 6, 14), date(2025, 6, 14), ("10:00-18:00",))


@pytest.mark.parametrize("wording, expected", [
    ("de la marche blanche organisée en mémoire de la victime", "manifestation"),
    ("des rixes opposant des bandes rivales dans le quartier", "delinquance"),
    ("des rencontres sportives au stade municipal", "sport"),
    ("des arrivées de migrants sur le littoral", "frontiere"),
    ("de la recherche d'une personne disparue en montagne", "secours"),
    ("du déplacement présidentiel à Marseille", "visite"),
    ("de la grande braderie", "festif"),
    ("de l'opération de démantèlement d'un campement", "autre"),
    ("du Mondial de l'automobile", "autre"),
    ("de la 5e journée de la Ligue des nations", "sport"),
    ("des JO de Paris", "sport"),
    ("de la course motocycliste du circuit", "sport"),
    ("des émeutes survenues dans le quartier", "delinquance"),
    ("du voyage officiel du ministre", "visite"),
    ("de la cérémonie de clôture des Jeux", "sport"),
    ("d'un événement festif intitulé « Live »", "festif"),
    ("d'une marche de solidarité", "manifestation"),
    ("des obsèques de la victime", "autre"),  # a ceremony, as a commemoration is
    ("d'un rassemblement place de la République", "manifestation"),
])
def test_purposes_named_in_the_authorising_article(wording, expected):
    act = drone_act(f"Article 1 : La captation est autorisée le 3 mai 2025 à l'occasion {wording}.")
    assert read_facts(act, VOCABULARY, ["drones"]).purposes == (expected,)


@pytest.mark.parametrize("considerants, expected", [
    ("Considérant que vingt mille personnes sont attendues à la fête de la musique ; que cette manifestation fait "
     "l'objet d'une déclaration ;", ("festif",)),  # « cette manifestation » names the festival again
    ("Considérant que des points de deal sont installés dans le quartier ; qu'un feu a été allumé près du terrain de "
     "football ;", ("delinquance",)),  # a pitch is a place, no sports event
    ("Considérant que des incendies de véhicules ont été constatés dans le quartier ;", ("delinquance",)),
    ("Considérant que des vols à la roulotte ont été constatés sur les parkings ;", ("delinquance",)),
])
def test_words_that_name_again_or_place_an_event_add_no_purpose(considerants, expected):
    act = drone_act("Article 1 : La captation est autorisée le 3 mai 2025.", considerants)
    assert read_facts(act, VOCABULARY, ["drones"]).purposes == expected


def test_hours_the_title_gives_when_the_articles_give_the_days_only():
    act = drone_act("Article 1 : La captation est autorisée le samedi 14 juin 2025 sur la commune de Lens.",
                    title="Arrêté autorisant la captation d'images le 14 juin 2025 de 14h00 à 20h00")
    assert read_facts(act, VOCABULARY, ["drones"]).times == ("14:00-20:00",)


def test_a_start_hour_alone_is_the_slot_that_starts_then():
    act = drone_act("Article 1 : La captation est autorisée le samedi 7 juin 2025 à 07h00.\nArticle 2 : Le périmètre "
                    "est institué du samedi 7 juin 2025 à 07h00 au dimanche 8 juin 2025 à 20h00.")
    assert read_facts(act, VOCABULARY, ["drones"]).times == ("07:00-20:00",)


def test_the_signature_dates_the_act_but_is_no_period():
    act = Act("2025-01500", "Arrêté", 1, 1, (Page(1, "ARRÊTE :\nArticle 1 : La captation est autorisée le 1er janvier "
                                                    "de 00h00 à 06h00.\nFait à Paris, le 20 décembre 2025\n"),))
    facts = read_facts(act, VOCABULARY, ["drones"])
    assert (facts.start, facts.end, facts.times) == (date(2026, 1, 1), date(2026, 1, 1), ("00:00-06:00",))


def test_the_register_sent_at_the_end_of_the_event_is_no_demonstration():
    act = drone_act("Article 1 : La captation est autorisée le 3 mai 2025 à l'occasion du match de football.\n"
                    "Article 6 : Le registre est transmis au préfet à l'issue de la manifestation.")
    assert read_facts(act, VOCABULARY, ["drones"]).purposes == ("sport",)


@pytest.mark.parametrize("dispositif, expected", [
    ("Article 1 : La captation d'images par la GN est autorisée le 3 mai 2025.", ("gendarmerie",)),
    ("Article 1 : La captation d'images par la DZPN Sud est autorisée le 3 mai 2025.", ("police_nationale",)),
    ("Article 1 : La captation d'images sollicitée par le DMD est autorisée le 3 mai 2025.", ("armee",)),
    ("Article 1 : La captation d'images par les militaires de la gendarmerie nationale est autorisée le 3 mai 2025.",
     ("gendarmerie",)),  # gendarmes are soldiers, not the army
    ("Article 1 : La captation d'images par le GIGN est autorisée le 3 mai 2025.", ("gendarmerie",)),
    ("Article 1 : La captation d'images par la DDPAF est autorisée le 3 mai 2025.", ("police_nationale",)),
    ("Article 1 : L'usage de caméras par les gardes champêtres est autorisé le 3 mai 2025.", ("police_municipale",)),
    ("Article 1 : La captation d'images est autorisée le 3 mai 2025.", ()),  # the letterhead's office is no force
])
def test_operators_abbreviated_and_not_the_prefectures_office(dispositif, expected):
    assert read_facts(drone_act(dispositif), VOCABULARY, ["drones"]).operators == expected


def test_the_director_of_a_police_service_charged_with_a_ban_is_its_operator():
    act = drone_act("Article 1 : Sont interdits à Paris le 3 mai 2025 tout rassemblement revendicatif.\nArticle 6 : La "
                    "préfète, directrice du cabinet, et le directeur de l'ordre public et de la circulation sont chargés "
                    "de l'exécution du présent arrêté.", title="Arrêté portant interdiction de manifestations")
    assert read_facts(act, VOCABULARY, ["demonstration_ban"]).operators == ("police_nationale",)


def test_a_sentence_ends_at_its_dot_within_a_line():
    act = drone_act("Article 7 : Les palpations sont réalisées par des agents de police municipale. Les militaires de la "
                    "gendarmerie nationale qui souhaitent accéder au périmètre de protection sont contrôlés à l'entrée.",
                    title="Arrêté instaurant un périmètre de protection")
    assert read_facts(act, VOCABULARY, ["silt_perimeter"]).operators == ("police_municipale",)


def test_the_prefecture_de_police_signs_acts_it_is_no_force():
    act = Act("2024-1081", "Arrêté portant autorisation de l'emploi d'un traitement algorithmique sur des images issues "
              "de systèmes de vidéoprotection de la préfecture de Police du 26 juillet 2024 au 11 août 2024", None, None)
    assert read_facts(act, VOCABULARY, ["vsa"]).operators == ()


@pytest.mark.parametrize("sentence, expected", [
    ("Le nombre maximal de caméras pouvant procéder simultanément aux traitements est fixé à : deux (2).", 2),
    ("Le nombre maximum de caméras pouvant procéder simultanément aux traitements est de 3.", 3),
    ("Le nombre de caméras utilisées simultanément ne peut excéder deux.", 2),
    ("Nombre de caméras : 4", 4),
    ("La captation est autorisée au moyen d'un drone équipé d'une caméra.", 1),
    ("La captation est autorisée au moyen de deux caméras embarquées sur un hélicoptère.", 2),
    ("La captation est autorisée au moyen de deux hélicoptères.", None),  # an aircraft is no camera
    ("Le nombre maximal de caméras pouvant procéder aux traitements mentionnés à l'article 1er : trois.", 3),
    ("Les agents sont dotés de 4 caméras-piétons.", 4),
])
def test_cameras_in_words_digits_or_a_table(sentence, expected):
    assert read_facts(drone_act(f"Article 2 : {sentence}"), VOCABULARY, ["drones"]).cameras == expected


def test_cctv_cameras_where_a_garbled_heading_left_the_authorising_article():
    text = ("Arrêté portant renouvellement d'un système de vidéoprotection\nCONSIDÉRANT la demande ;\nArréte\n"
            "Article 1\":\nLe directeur est autorisé à exploiter un dispositif de vidéoprotection comportant2\n"
            "caméras intérieures.\n")
    act = Act("2024-0218", "Arrêté portant renouvellement d'un système de vidéoprotection", 1, 1, (Page(1, text),))
    assert read_facts(act, VOCABULARY, ["videoprotection"]).cameras == 2


def test_the_articles_after_a_garbled_decides_heading_are_the_dispositif():
    text = ("Arrêté autorisant la captation d'images\nConsidérant la demande ;\nArréte\nArticle 1° La captation "
            "d'images par le groupement de gendarmerie du Var est autorisée le 7 juillet 2025 de 11h00 à 20h00.\n")
    act = Act("83-2025-07-07-00001", "Arrêté autorisant la captation d'images", 1, 1, (Page(1, text),))
    facts = read_facts(act, VOCABULARY, ["drones"], department="83")
    assert (facts.start, facts.times, facts.operators) == (date(2025, 7, 7), ("11:00-20:00",), ("gendarmerie",))


def test_a_plural_before_one_act_number_is_one_act_not_a_bundle():
    act = Act(None, "Arrêtés 2025-BSP-OP-38 portant interdiction de rassemblements festifs à caractère musical dans le "
              "département du Var", None, None)
    assert read_facts(act, VOCABULARY, ["rave_ban"], department="83").kind == "initial"


FACTS_LABELS = Path(__file__).parent / "data" / "facts"


def test_eval_facts_prints_the_tune_errors_and_only_the_held_out_scores(capsys):
    corpus_dir = corpus(".")
    assert main(["eval", "--facts", str(FACTS_LABELS), "--split", "tune", "--texts", str(corpus_dir)]) == 0
    tune = capsys.readouterr().out
    assert main(["eval", "--facts", str(FACTS_LABELS), "--split", "held-out", "--texts", str(corpus_dir)]) == 0
    held_out = capsys.readouterr().out
    assert "expected" in tune
    assert "expected" not in held_out and "not found:" not in held_out
    assert [line.split()[0] for line in held_out.splitlines()[2:]] == list(FIELDS)


@pytest.mark.parametrize("field", ["kind", "start", "end", "scope", "communes", "places", "purposes", "cameras",
                                   "operators", "times"])
def test_facts_read_on_held_out_acts_meet_the_targets(field):
    """Issue 22's target (precision ≥ 0.95, recall ≥ 0.90) on the third held-out set, 228 Préfecture de police
    titles (tests/data/facts/held-out/README.md), read once; the message keeps to counts. Cameras, operators and
    hours have fewer than 10 labels there and are skipped, with the reason."""
    report = evaluate_facts(label_files(FACTS_LABELS, "held-out"), corpus("."), VOCABULARY)
    score = report.scores[field]
    if score.labelled < 10:
        pytest.skip(f"{field}: {score.labelled} labelled values among the acts whose texts are here (10 needed)")
    assert score.precision >= 0.95 and score.recall >= 0.90, (
        f"{field}: {score.hits} right, {score.false_positives} wrong, {score.misses} missed")
