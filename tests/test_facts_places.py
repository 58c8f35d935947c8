"""Where an act's measure applies (communes, scope, places) and how places are compared, on synthetic
sentences modelled on real wordings."""

from __future__ import annotations

import pytest

from watchbot.core.models import Act, Page
from watchbot.core.settings import BUNDLED_RULES
from watchbot.evaluate.facts import _same
from watchbot.facts import places
from watchbot.facts import sites as named_places
from watchbot.facts.extract import read_facts
from watchbot.facts.gazetteer import gazetteer
from watchbot.match import rules
from watchbot.match.normalize import fold

VOCABULARY = rules.load(BUNDLED_RULES).vocabulary


def names(text: str, department: str | None) -> list[str]:
    return [commune.name for commune in places.communes([text], gazetteer(), department)]


@pytest.mark.parametrize("text, department, expected", [
    ("périmètre de protection applicable à Nantes et Rezé le 3 mars", "44", ["Nantes", "Rezé"]),
    ("mesures de police applicables à Paris-Centre dans le cadre du procès", "75", ["Paris"]),
    ("à l'occasion des Jeux Olympiques et Paralympiques de Paris sur le site du Trocadéro", "75", []),
    ("interdiction de rassemblement sur le parvis de l'Hôtel de Ville le 3 mai", "75", []),
    ("Bureau des politiques publiques de sécuritéNantes, le 02 juillet 2024\nARRÊTÉ", "44", []),
    ("système de vidéoprotection pour la boulangerie Dupont 13008", "13", ["Marseille 8e Arrondissement"]),
    ("dans un périmètre délimité par l'avenue de Malakoff, le boulevard Saint-Denis et la rue de Sèvres", "75", []),
    ("- Route de Stains à Villeneuve-sous-Dammartin (77) ;\n- Rue de la Michelette à Vémars (95) ;", "75",
     ["Villeneuve-sous-Dammartin", "Vémars"]),
    ("à l'occasion du procès de l'attentat de Magnanville", "75", []),
    ("au stade Bauer à Saint-Ouen le mardi", "75", ["Saint-Ouen-sur-Seine"]),
    ("dans le cadre du festival de musique au bois de Vincennes du 2 au 4 juin", "75", []),
    ("une battue au bois de Saint-Pierre à Toulon", "83", ["Toulon"]),
    ("l'emploi dans 5 gares parisiennes d'un traitement algorithmique", "75", ["Paris"]),
    ("l'emploi dans une gare parisienne d'un traitement algorithmique", "75", ["Paris"]),
    ("un périmètre de protection à l'occasion des JO de Paris du mercredi 24 juillet", "75", []),
    ("mesures de police applicables à Paris à l'occasion du procès de l'attentat dans la basilique de Nice", None,
     ["Paris"]),
    ("mesures de police à l'occasion du procès de l'attentat de la basilique de Nice à Paris", None, ["Paris"]),
    ("interdiction de manifestations sur les communes d'Annecy, Cluses, Glières-Val-de Bornes et Filières", "74",
     ["Annecy", "Cluses", "Glières-Val-de-Borne", "Fillière"]),
])
def test_communes_of_the_measure(text, department, expected):
    assert names(text, department) == expected


def sites(text: str) -> tuple[str, ...]:
    return named_places.sites([text])[0]


@pytest.mark.parametrize("text, expected", [
    ("dans le quartier du Pont de la Clue à Toulon", ("quartier du Pont de la Clue",)),
    ("dans les communes riveraines du site du Lac de la Forêt d'Orient", ("Lac de la Forêt d'Orient",)),
    ("à l'occasion des audiences au Palais de justice de Rennes", ("Palais de justice de Rennes",)),
    ("dans le cadre de l'émission au Village du cyclisme à Pau le 3 juillet", ("Village du cyclisme",)),
    ("rassemblement devant le ministère de la santé et de l'accès aux soins le 3 mai",
     ("ministère de la santé",)),
    ("la sécurité des marchés de Noël de la ville de Strasbourg", ("marchés de Noël",)),
    ("Ce recueil est consultable sur le site de la Préfecture : www", ()),
    ("dans 12 stations de la Régie autonome des transports parisiens d'un traitement", ("12 stations de la RATP",)),
    ("dans deux stations de métro de la R.A.T.P. d'un traitement", ("deux stations de métro de la RATP",)),
    ("l'emploi dans une gare parisienne d'un traitement algorithmique", ("une gare parisienne",)),
    ("au titre de la sécurité de la messe organisée le 1er février au domaine de la Castille sur la commune",
     ("domaine de la Castille",)),
    ("applicables à Paris du 10 au 26 février à l'occasion du procès de l'attentat dans la basilique Notre-Dame "
     "de Nice", ()),
    ("à l'occasion du procès de l'attaque de la rue Nicolas Appert", ()),
    ("limitée au périmètre joint en annexe, dans la zone située entre l'avenue du 8 mai 1945, la rue Jules Ferry "
     "et le ruisseau sur la commune", ()),
    ("dans la zone délimitée par la rue Jules Ferry et la rue Victor Hugo et aux abords du stade Félix Mayol",
     ("stade Félix Mayol",)),
    ("limitée au périmètre joint en annexe, zone située dans le secteur Boulevard de la Lazarine et la rue des "
     "Bigaradiers", ()),
    ("à l'occasion du concert du 3 mai 2025 à l'Accor ARENA", ("Accor ARENA",)),
    ("Préfecture de police - 9, boulevard du Palais - 75195 PARIS RP\nArrêté autorisant la captation", ()),
    ("est autorisée dans le quartier de la Gabelle à Fréjus, dans un rayon de 500 m à compter de l'intersection de "
     "la rue de la Gabelle et de la rue Marcel Pagnol", ("quartier de la Gabelle",)),
    ("visant à sécuriser l'évènement de la Foire régionale des Vins d'Alsace à Colmar",
     ("Foire régionale des Vins d'Alsace",)),
    ("sur le site de célébration du parking du Mouzon sur la commune d'Auch", ("parking du Mouzon",)),
    ("à l'occasion du concert de l'artiste à Paris La Défense Aréna le samedi 11 janvier", ("Paris La Défense Aréna",)),
    ("sont autorisés sur le site des terrils 107-110-116-117 _ 9-9-bis et Parc du tour", ("terrils 107-110-116-117 _ 9-9-bis",
                                                                                       "Parc du tour")),
    ("aéronefs du 31 janvier 2024, Autoroute A5 entre les PR 5 et 7, route de Ourdy, RN 104 à hauteur de la commune",
     ("Autoroute A5", "route de Ourdy", "RN 104")),
])
def test_named_places(text, expected):
    assert sites(text) == expected


def commune_named(name: str, department: str) -> tuple:
    return tuple(gazetteer().find(name, department)[:1])


@pytest.mark.parametrize("title, found, expected", [
    ("Arrêté portant autorisation d'un système de vidéoprotection - Boulangerie Paul - Centre Commercial Grand "
     "Var - La Valette-du-Var", ("La Valette-du-Var", "83"), ("Boulangerie Paul", "Centre Commercial Grand Var")),
    ("Arrêté portant autorisation d'un système de vidéoprotection pour le magasin DECATHLON — SAS DECAT — Toulon",
     ("Toulon", "83"), ("DECATHLON",)),
    ("Arrêté portant autorisation d'un système de vidéoprotection à l'APEI 83", (), ("APEI 83",)),
    ("Arrêté portant autorisation d'un système de vidéoprotection au Mans", ("Le Mans", "72"), ()),
    ("2025 CAB BCS VP 1301 - CLG JEAN MOULIN à Brie Comte Robert", ("Brie-Comte-Robert", "77"),
     ("COLLÈGE JEAN MOULIN",)),
])
def test_cctv_establishments(title, found, expected):
    assert named_places.establishment(title, commune_named(*found) if found else ()) == expected


def article_act(article: str, title: str = "Arrêté") -> Act:
    return Act("83-2025-03-13-00002", title, 1, 1, (Page(1, f"ARRÊTE\nArticle 1 – {article}\n"),))


def test_an_act_for_whole_departements_names_no_commune():
    facts = read_facts(article_act("La présente autorisation est délivrée et s'applique à Paris et aux départements des "
                                   "Hauts-de-Seine et du Val-de-Marne."), VOCABULARY, ["drones"], department="75")
    assert (facts.scope, facts.communes) == ("department", ())


def test_a_title_naming_departements_reads_their_communes_in_the_articles():
    act = Act("2024-00111", "Arrêté portant mesures de police applicables à Paris et dans les départements du "
              "Val-de-Marne et de l'Essonne du 28 janvier 2024", 1, 1, (Page(1, (
                  "ARRETE :\nArticle 2 – La présence des personnes participant à des rassemblements non déclarés est "
                  "interdite du 28 janvier 2024 sur les voies ci-dessous :\n\nDans le département du Val-de-Marne :\n"
                  "   -   Avenue Marcel Cachin à Orly ;\nDans le département de l'Essonne :\n"
                  "   -   Avenue Charles De Gaulle à Morangis ;\n")),))
    facts = read_facts(act, VOCABULARY, ["demonstration_ban"], department="75")
    assert (facts.scope, [commune.name for commune in facts.communes]) == ("commune", ["Paris", "Orly", "Morangis"])


def test_an_act_without_identifier_is_found_by_the_reference_its_heading_prints(tmp_path):
    from watchbot.evaluate.facts import _Texts
    (tmp_path / "a.txt").write_text(
        "RECUEIL DES ACTES ADMINISTRATIFS\n\fARRETE N° 2024-00109 autorisant le vol\nLe préfet de police,\nARRÊTE\n"
        "Article 1 – Le vol est autorisé.\nFait à Paris, le 27 janvier 2024\n\f   Arrêté n° 2024-00111\nportant mesures "
        "de police applicables à Paris\nLe préfet de police,\nARRÊTE\nArticle 1 – Les cortèges sont interdits à Paris."
        "\nFait à Paris, le 28 janvier 2024\n\f2024-00111\nAnnexe de l'arrêté n° 2024-00111\nVOIES ET DELAIS DE RECOURS\n",
        encoding="utf-8")
    act = _Texts(tmp_path).act({"file": "a.txt", "ref": "2024-00111", "corpus": "idf", "title": "portant mesures"})
    assert act is not None and "cortèges" in "".join(page.text for page in act.pages)


def test_a_place_named_without_a_commune_is_a_site():
    facts = read_facts(Act("2021-00001", "Arrêté portant interdiction d'un rassemblement place du Trocadéro le samedi "
                           "3 juillet 2021", None, None), VOCABULARY, ["demonstration_ban"], department="75")
    assert (facts.scope, facts.places) == ("site", ("place du Trocadéro",))


def test_the_recueil_of_the_departement_is_no_scope():
    facts = read_facts(article_act("La captation est autorisée à Nîmes le 3 mai 2025 ; l'arrêté est publié au recueil "
                                   "des actes administratifs du département du Gard."), VOCABULARY, ["drones"],
                       department="30")
    assert (facts.scope, [commune.name for commune in facts.communes]) == ("commune", ["Nîmes"])


def test_a_sommaire_entry_whose_pages_are_not_in_the_file_is_read_from_the_file(tmp_path):
    from watchbot.evaluate.facts import _Texts
    (tmp_path / "a.txt").write_text("12_Préfecture / Cabinet\n12-2025-01-02-00001 - Arrêté autorisant la captation\n"
                                    "(2 pages) Page 3\nARRÊTÉ\nCommune de Rodez le 4 janvier 2025\n", encoding="utf-8")
    act = _Texts(tmp_path).act({"file": "a.txt", "ref": "12-2025-01-02-00001", "corpus": "real-acts",
                                "title": "Arrêté autorisant la captation"})
    assert act is not None and "Rodez" in act.pages[0].text


@pytest.mark.parametrize("label, read, same", [
    ("Magasin Aldi", "ALDI MARCHE DAMMARTIN SARL", True),
    ("Bijouterie Thomas Sabo", "THOMAS SABO SAS", True),
    ("Magasin Pull & Bear (centre commercial le haut de Galy)", "PULL & BEAR -— Aulnay", True),
    ("Basilique de Saint-Maximin-la-Sainte-Baume", "basilique de Saint-Maximin la Sainte Baume", True),
    ("Quartier de la Gabelle", "rue de la Gabelle", False),
    ("Stade de France", "Parc des Princes", False),
])
def test_places_are_the_same_when_their_distinctive_words_are(label, read, same):
    assert _same("places", label, read) is same


@pytest.mark.parametrize("title", [
    "Arrêté modifiant l'arrêté instituant un périmètre de protection à l'occasion des Jeux Paralympiques de Paris du "
    "jeudi 29 août au samedi 7 septembre 2024 sur le site de l'Arena...",
    "Arrêté modifiant l'arrêté instituant un périmètre de protection sur le site de Paris La…",
])
def test_a_site_cut_short_by_the_sommaire_is_a_site_without_a_name(title):
    assert named_places.sites([title]) == ((), True)


def test_the_quartier_the_considerants_tell_of_is_the_place_where_the_act_names_none():
    act = Act("83-2025-02-10-00001", "Arrêté autorisant la captation d'images au moyen de caméras installées sur des "
              "aéronefs", 1, 1, (Page(1, (
                  "CONSIDÉRANT le trafic de stupéfiants sur le quartier de la Beaucaire ; que dans la nuit du 05 au 06 "
                  "février 2025 le local situé dans le quartier de La Beaucaire a été la cible de tirs ; qu'au niveau "
                  "de la place du marché du Pont du Las un individu a été interpellé ;\nARRÊTE\nArticle 1er – La "
                  "captation est autorisée sur la commune de Toulon du lundi 10 au vendredi 14 février 2025 ;\n")),))
    facts = read_facts(act, VOCABULARY, ["drones"], department="83")
    assert (facts.scope, facts.places) == ("commune", ("quartier de la Beaucaire",))
    assert named_places.recounted("des tirs dans le quartier du Pont du Las ; des tirs dans le quartier de la Beaucaire") == ()


@pytest.mark.parametrize("title, department, expected", [
    ("Arrêté portant interdiction totale des manifestations déclarées dans les Hauts-de-Seine (92) les 7 et 8 avril "
     "2025", "75", ("department", ())),
    ("Arrêté autorisant la captation d'images au moyen de caméras installées sur des aéronefs à Paris et dans les "
     "Hauts-de-Seine (92)", "75", ("commune", ("Paris",))),
    ("Arrêté portant interdiction d'un rassemblement le samedi 2 septembre 2023 à Thiais (94)", "75",
     ("commune", ("Thiais",))),
    ("Arrêté autorisant la captation d'images au moyen d'une caméra installée sur un aéronef sur la ville de Lourdes et "
     "le Sanctuaire Notre-Dame de Lourdes du 14 août 2025", "65", ("commune", ("Lourdes",))),
    ("Arrêté instaurant un périmètre de protection sur le site de célébration du parking du Mouzon sur la commune "
     "d'Auch le 18 mai 2024", "32", ("site", ("Auch",))),
    ("Arrêtés 2025-BSP-OP-38 portant interdiction de rassemblements festifs à caractère musical dans le département "
     "du Var", "83", ("department", ())),
])
def test_scope_of_a_title(title, department, expected):
    facts = read_facts(Act(None, title, None, None), VOCABULARY, ["demonstration_ban"], department=department)
    assert (facts.scope, tuple(commune.name for commune in facts.communes)) == expected


@pytest.mark.parametrize("text, expected", [
    ("La captation est autorisée aux abords de la basilique de Saint-Maximin ; la présente autorisation est limitée "
     "au périmètre géographique du centre-ville de la commune", (("basilique de Saint-Maximin",), False)),
    ("La captation est autorisée au stade Félix Mayol et dans le quartier du Mourillon",
     (("stade Félix Mayol", "quartier du Mourillon"), False)),
    ("La captation est autorisée aux abords du stade Félix Mayol", (("stade Félix Mayol",), True)),
])
def test_a_site_in_a_quartier_or_a_town_centre_is_no_site_scope(text, expected):
    assert named_places.sites([text]) == expected


def test_a_site_named_by_its_commune_is_a_site_without_a_name():
    vaires = tuple(gazetteer().find("Vaires-sur-Marne", "77"))
    title = "Arrêté instituant un périmètre de protection à l'occasion des Jeux paralympiques sur le site de Vaires-sur-Marne"
    assert named_places.sites([title], vaires) == ((), True)
    assert named_places.sites(["sur le site de Vaires Plage"], vaires) == (("site de Vaires Plage",), True)


def test_a_secteur_named_by_its_streets_leaves_the_quartiers_of_the_considerants_aside():
    deciding = "La présente autorisation est limitée à la zone située dans le secteur Boulevard de la Lazarine"
    considerants = "des tirs dans le quartier des Bosquets ; des vols dans le quartier des Bosquets"
    assert named_places.sites([deciding], (), considerants) == ((), False)
    assert named_places.sites(["La captation est autorisée"], (), considerants) == (("quartier des Bosquets",), False)


@pytest.mark.parametrize("deciding", [
    "le droit d'accès aux images pourra s'exercer auprès du directeur du département de sécurité ; est autorisé",
    "le présent arrêté sera publié au recueil des actes adminis tratifs du département de Paris ; autorisés",
])
def test_a_departement_of_an_organisation_or_of_the_raa_is_no_scope(deciding):
    paris = tuple(gazetteer().find("Paris", "75"))
    assert places.scope("", fold(deciding), paris, (), False) == "commune"


def test_a_running_line_with_its_page_number_is_no_text_of_the_act():
    title = ("Arrêté instituant un périmètre de protection à Paris à l'occasion de la réouverture de la Cathédrale "
             "Notre-Dame de Paris")
    page = Page(2, "instituant un périmètre de protection à Paris à l'occasion de la réouverture de la Cathédrale "
                   "Notre-Dame de Paris 9\nARRÊTE :\nArticle 1er – Un périmètre de protection est institué ;\n")
    facts = read_facts(Act("2024-01729", title, 2, 2, (page,)), VOCABULARY, ["silt_perimeter"], department="75")
    assert facts.places == ("Cathédrale Notre-Dame de Paris",)


def test_the_communes_of_the_acts_own_title_come_before_those_of_a_sommaire_on_its_first_page():
    title = "portant modification de l'arrêté préfectoral du 8 juillet 2021 Ville de RUNGIS – Bâtiments publics"
    page = Page(3, "2024/0131   16/01/2024   portant modification de la ZAC sur le territoire de la\n"
                   "commune de Valenton     14\nA R R E T E N°2023/04677\nLA PRÉFÈTE DU VAL DE MARNE\nARRETE\n"
                   "Article 1 : Le Maire de Rungis est autorisé à installer un système de vidéoprotection ;\n")
    facts = read_facts(Act("2023/04677", title, 3, 3, (page,)), VOCABULARY, ["videoprotection"], department="94")
    assert [commune.name for commune in facts.communes] == ["Rungis"]


@pytest.mark.parametrize("text, expected", [
    ("sont autorisés à Lens, boulevard Basly, rue Bollaert, rue Jean-Jaurès, au titre de la sécurité des "
     "rassemblements", ((), False)),
    ("est autorisée sur la commune de Calais : site le Virval et boulevard des Justes au titre de la prévention",
     (("site le Virval",), True)),
    ("sont autorisés à Arras, place des Héros, rue de la Taillerie et place du Théâtre, au titre de la sécurité",
     ((), False)),
    ("autorisés à Lille, rue Nationale, allée de la Liberté, place de la République, au titre", ((), False)),
    ("autorisés à Béthune, rue d'Aire, route de Lille et place Clemenceau, au titre de la sécurité", ((), False)),
    ("La captation est autorisée sur la place de la République, au titre de la sécurité", (("place de la République",),
                                                                                         False)),
    ("Direction des sécurités\nRue Ferdinand Buisson\n62 020 ARRAS Cedex 9\nest autorisée", ((), False)),
])
def test_streets_locate_the_measure_in_its_commune_and_are_no_places(text, expected):
    assert named_places.sites([text]) == expected


def test_an_aircraft_flying_over_a_list_of_streets_is_authorised_in_the_commune():
    act = Act("62-2026-05-18-00010", "Arrêté d'autorisation de captation d'images au moyen de caméras installées sur "
              "des aéronefs", 1, 1, (Page(1, (
                  "Arrête\nArticle 1er : La captation, l’enregistrement et la transmission d’images sont autorisés à "
                  "Lens, boulevard Basly, rue Bollaert, rue Jean-Jaurès, au titre de la sécurité des "
                  "rassemblements le 23 mai 2026.\n")),))
    facts = read_facts(act, VOCABULARY, ["drones"], department="62")
    assert (facts.scope, facts.places, [commune.name for commune in facts.communes]) == ("commune", (), ["Lens"])


def test_a_number_after_an_article_names_no_place():
    assert sites("d’aménagement du secteur des 3, 30 à 34 avenue de Paris et 1 rue de Montreuil") == ()


@pytest.mark.parametrize("text, expected", [
    ("La captation est autorisée aux abords de la citadelle d'Arras le 3 juillet", ("citadelle d'Arras",)),
    ("La captation est autorisée aux abords du centre pénitentiaire de Vendin-le-Vieil",
     ("centre pénitentiaire de Vendin-le-Vieil",)),
    ("La captation est autorisée aux abords de la maison d’arrêt de Douai", ("maison d’arrêt de Douai",)),
    ("La captation est autorisée aux abords de la prison de Loos", ("prison de Loos",)),
    ("La captation est autorisée aux abords du Mémorial national du Canada à Vimy", ("Mémorial national du Canada",)),
    ("est autorisée sur la nécropole nationale de Notre-Dame-de-Lorette", ("nécropole nationale de Notre-Dame-de-Lorette",)),
    ("est autorisée sur la base de loisirs de Loisinord à Noeux-les-Mines", ("base de loisirs de Loisinord",)),
    ("est autorisée au complexe sportif Léo Lagrange", ("complexe sportif Léo Lagrange",)),
    ("est autorisée aux abords du cimetière de l'Est", ("cimetière de l'Est",)),
])
def test_a_named_venue_citadel_prison_memorial_is_a_site(text, expected):
    assert named_places.sites([text]) == (expected, True)


@pytest.mark.parametrize("text, expected", [
    ("sont autorisés à Boulogne-sur-Mer, quartier du Chemin Vert, au titre de la sécurité",
     (("quartier du Chemin Vert",), False)),
    ("est autorisée ; le tribunal administratif peut être saisi par le site Télérecours citoyens", ((), False)),
    ("est autorisée ; le présent arrêté est consultable sur le site Légifrance", ((), False)),
])
def test_a_quartier_named_after_a_way_is_a_quartier_and_a_website_is_no_site(text, expected):
    assert named_places.sites([text]) == expected


@pytest.mark.parametrize("text, expected", [
    ("est autorisée à Lille dans le périmètre suivant :\n- rue Nationale\n- boulevard de la Liberté\n"
     "- place de la République\nau titre de la sécurité", ((), False)),
    ("Direction des sécurités\nPlace Foch 62 020 ARRAS Cedex 9\nest autorisée", ((), False)),
])
def test_a_square_in_a_bulleted_list_of_streets_or_in_an_address_is_no_place(text, expected):
    assert named_places.sites([text]) == expected


@pytest.mark.parametrize("text, expected", [
    ("mesures de police applicables à l'occasion du Forum de Paris sur la paix le 30 octobre 2025", []),
    ("à l'occasion d'un événement festif intitulé « Fnac Live Paris » du mercredi 29 juin 2022", []),
    ("à l'occasion du semi-marathon de Paris le 8 mars", []),
    ("aéronefs à Paris applicables à l'occasion du Forum de Paris sur la paix les 29 et 30 octobre", ["Paris"]),
    ("à l'occasion du festival de musique au parc de Saint-Cloud à Saint-Cloud", ["Saint-Cloud"]),
])
def test_a_commune_named_only_in_an_events_name_is_no_commune_of_the_measure(text, expected):
    assert names(text, "75") == expected
