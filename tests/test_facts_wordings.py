"""Facts (SPEC §9) on the wordings of titles and articles nobody tuned for: dates and hours as Préfecture de police
titles and Var articles write them, kinds, purposes, operators and cameras, on synthetic sentences modelled on
real ones."""

from __future__ import annotations

from datetime import date

import pytest

from tests.test_facts import VOCABULARY, drone_act, period
from watchbot.core.models import Act, Page
from watchbot.facts.extract import kind, read_facts
from watchbot.match.normalize import fold


@pytest.mark.parametrize("text, expected", [
    # a range's first day leaves its year to the last, in digits as in words
    ("dans le 94 du 10/07 au 31/08/25", [(date(2025, 7, 10), date(2025, 8, 31), ())]),
    ("du 28 décembre au 3 janvier 2026", [(date(2025, 12, 28), date(2026, 1, 3), ())]),
    # a street named after a day is no period
    ("sur Liévin (rue Victor Hugo, rue du 04 septembre, rue Ampère) le mardi 19 mai 2026",
     [(date(2026, 5, 19), date(2026, 5, 19), ())]),
    ("entre l'avenue du 8 mai et la place du 11 novembre le 3 juin 2026", [(date(2026, 6, 3), date(2026, 6, 3), ())]),
    # a first day alone has no last one
    ("à l'occasion d'appels à manifester à compter du 17 mars 2025 à Paris", [(date(2025, 3, 17), None, ())]),
    ("à partir du 1er juillet 2026", [(date(2026, 7, 1), None, ())]),
    # a night's slot ends the next day; a range names its last morning itself
    ("les 3, 4 et 5 juillet 2026 de 13h30 à 02h30", [(date(2026, 7, 3), date(2026, 7, 6), ("13:30-02:30",))]),
    ("le samedi 21 juin 2025 de 22h00 à 04h00", [(date(2025, 6, 21), date(2025, 6, 22), ("22:00-04:00",))]),
    ("le 21 juin 2025 de 18h00 à minuit", [(date(2025, 6, 21), date(2025, 6, 21), ("18:00-24:00",))]),
    ("du 28 mars au 27 avril 2025, les vendredis et samedis de 22h00 à 02h00",
     [(date(2025, 3, 28), date(2025, 4, 27), ("22:00-02:00",))]),
    ("les nuits des 13 et 14 juillet 2025", [(date(2025, 7, 13), date(2025, 7, 14), ())]),
    # a day that names an event is its period only where the text gives no other
    ("dans le cadre des festivités du 14 juillet 2025 sur les communes. Article 3 : soit le 12 juillet 2025 de 7h00 "
     "à 22h00.", [(date(2025, 7, 12), date(2025, 7, 12), ("07:00-22:00",))]),
    ("à l'occasion de la cérémonie du 11 novembre 2025", [(date(2025, 11, 11), date(2025, 11, 11), ())]),
])
def test_periods_as_titles_and_articles_write_them(text, expected):
    assert period(text) == expected


@pytest.mark.parametrize("title, expected", [
    ("Arrêté n°2020-00732 complétant périmètre SILT Marathon", "modification"),
    ("Arrêté rectificatif à l'arrêté n° 2025-01 autorisant la captation", "modification"),
    ("Arrêté n°2025-00963 reconduisant le périmètre de protection", "renewal"),
    # what a demonstration asks for is no kind of the act
    ("Arrêté portant interdiction d'une manifestation pour l’abrogation de la loi le 3 mai 2025", "initial"),
    ("Arrêté autorisant la captation à l'occasion d'un rassemblement contre la modification du code du travail",
     "initial"),
])
def test_kinds_of_other_words(title, expected):
    assert kind(fold(title)) == expected


def test_an_act_that_repeals_another_in_its_first_article_is_a_repeal():
    act = drone_act("Article 1er : le présent arrêté abroge l'arrêté n° 2025/BSP/PP/005 du 7 avril 2025 ;\n"
                    "Article 2 : il est instauré un périmètre de protection du 19 avril 2025 à 18h00 au 20 avril 2025 "
                    "à 01h00.", title="Arrêté n° 2025/BSP/PP/007 instaurant un périmètre de protection à Toulon")
    facts = read_facts(act, VOCABULARY, ["silt_perimeter"], department="83")
    assert (facts.kind, facts.start, facts.end) == ("repeal", date(2025, 4, 19), date(2025, 4, 20))


@pytest.mark.parametrize("article, expected", [
    ("Article 4 : L'arrêté n° 2025-12 du 3 mars 2025 est abrogé.", "repeal"),
    ("Article 4 : Les arrêtés n° 2025-12 et n° 2025-13 sont abrogées.", "repeal"),
    ("Article 4 : La présente autorisation est abrogée de plein droit si le dispositif n'est pas installé.", "initial"),
])
def test_an_article_repeals_an_act_not_this_one(article, expected):
    act = drone_act(f"Article 1 : La captation est autorisée le 3 mai 2025.\n{article}")
    assert read_facts(act, VOCABULARY, ["drones"]).kind == expected


def test_a_footer_glued_to_the_last_sentence_of_a_page_leaves_the_sentence():
    ref = "83-2025-01-08-00003"
    text = ("Arrêté autorisant la captation\nConsidérant la demande ;\nARRÊTE\nArticle 1er – La captation est autorisée "
            "sur la commune de La Garde le jeudi 9\njanvier 2025 de 14h00 à 21h00.Préfecture du VAR - "
            f"{ref} - Arrêté n° 2025-BSP-OP-01\nArticle 2 – Le nombre maximal de caméras est fixé à deux.\n")
    facts = read_facts(Act(ref, "Arrêté autorisant la captation", 1, 1, (Page(1, text),)), VOCABULARY, ["drones"])
    assert (facts.start, facts.end, facts.times) == (date(2025, 1, 9), date(2025, 1, 9), ("14:00-21:00",))


def test_a_heading_typed_with_a_non_breaking_space_starts_the_articles():
    text = ("Arrêté autorisant l'enregistrement audiovisuel des interventions des agents de police municipale\n"
            "Considérant que la demande est complète ;\nARRÊTE\xa0:\nArticle 1\xa0: L'enregistrement audiovisuel est "
            "autorisé au moyen de quatre (4) caméras individuelles pour une durée de 5 ans.\n")
    act = Act(None, "Arrêté autorisant l'enregistrement audiovisuel", 1, 1, (Page(1, text),))
    assert read_facts(act, VOCABULARY, ["videoprotection"]).cameras == 4


def test_cctv_cameras_listed_in_quotes_and_glued():
    text = ("Arrêté portant autorisation d'un système de vidéoprotection\nCONSIDÉRANT la demande ;\nArrête\n"
            "Article 1 : Le gérant est autorisé à installer un dispositif de vidéoprotection comportant :\n"
            "« 5camérasintérieures;\n+ 1caméra extérieure.\n")
    act = Act("2024-0226", "Arrêté portant autorisation d'un système de vidéoprotection", 1, 1, (Page(1, text),))
    assert read_facts(act, VOCABULARY, ["videoprotection"]).cameras == 6


def title_act(title: str) -> Act:
    return Act("2025-01999", title, None, None)


@pytest.mark.parametrize("event, expected", [
    ("du Forum mondial pour la démocratie", ("visite",)),
    ("de la conférence internationale sur le climat", ("visite",)),
    ("de la venue de plusieurs chefs d'État étrangers", ("visite",)),
    ("du congrès de la FIFA", ("sport",)),
    ("d'un gala de boxe", ("sport",)),
    ("de la fan zone de l'Hôtel de Ville", ("sport",)),
    ("de la rencontre PSG - Arsenal", ("sport",)),
    ("de l'appel lancé par plusieurs syndicats", ("manifestation",)),
    ("du mouvement des agriculteurs", ("manifestation",)),
    ("d'un blocus de la capitale", ("manifestation",)),
    ("du rassemblement prévu place de la Nation", ("manifestation",)),
    ("de la marche des fiertés", ("manifestation",)),
    ("d'une cérémonie d'hommage aux victimes du terrorisme", ("autre",)),
    ("d'une cérémonie en mémoire des victimes des attentats de 2015", ("autre",)),
    ("de l'affluence sur les lignes de tramway", ("transport",)),
    ("du défilé du 1er mai", ("manifestation",)),
    ("de la journée internationale des droits des femmes", ("manifestation",)),
    ("de la Nuit blanche", ("festif",)),
    ("de la Techno Parade", ("festif",)),
    ("du défilé militaire sur les Champs-Élysées", ("autre",)),
    ("de la visite du Pape", ("visite",)),
    ("de la venue du Président de la République", ("visite",)),
    ("de la conférence des Nations unies sur les océans", ("visite",)),
    ("de la venue de supporters de l'équipe adverse", ("sport",)),  # supporters visit no one
    ("de la rencontre opposant le Stade Français au Racing 92", ("sport",)),
    ("de la finale de l'Euro féminin", ("sport",)),
    ("des demi-finales du Top 14", ("sport",)),
    ("du bal populaire des pompiers", ("festif",)),
])
def test_purposes_an_event_named_in_a_title_implies(event, expected):
    act = title_act("Arrêté autorisant la captation, l'enregistrement et la transmission d'images au moyen de caméras "
                    f"installées sur des aéronefs à l'occasion {event} le 3 mai 2025")
    assert read_facts(act, VOCABULARY, ["drones"], department="75").purposes == expected


@pytest.mark.parametrize("considerants, expected", [
    ("Considérant que le secteur subit des passages d'engins motorisés qui mettent en danger les riverains ;",
     ("rodeo",)),
    ("Considérant que le projet fait l'objet de nombreuses contestations ;", ("manifestation",)),
])
def test_purposes_the_considerants_describe(considerants, expected):
    act = drone_act("Article 1 : La captation est autorisée le 3 mai 2025 au titre de la prévention des atteintes à la "
                    "sécurité des personnes et des biens.", considerants)
    assert read_facts(act, VOCABULARY, ["drones"]).purposes == expected


@pytest.mark.parametrize("title, categories, expected", [
    ("Arrêté 25-663 survol drone police 02 10 2025", ["drones"], ("police_nationale",)),
    ("Arrêté autorisant la captation d'images au moyen de caméras installées sur des aéronefs police à l'occasion du "
     "match", ["drones"], ("police_nationale",)),
    ("Arrêté autorisant un drone police municipale le 3 mai 2025", ["drones"], ("police_municipale",)),
    ("Arrêté préfectoral en date du 19 décembre 2025 autorisant l'enregistrement audiovisuel des interventions des "
     "agents de po", ["videoprotection"], ("police_municipale",)),
    ("Arrêté autorisant la captation d'images en appui de la force Sentinelle", ["drones"], ("armee",)),
])
def test_operators_a_terse_or_cut_title_names(title, categories, expected):
    assert read_facts(title_act(title), VOCABULARY, categories).operators == expected
