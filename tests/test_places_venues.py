"""How titles name a venue (« au Panthéon », « vélodrome national », « dans onze gares ») and say a whole
département (« en Seine-Saint-Denis », « dans le 94 »), on synthetic sentences modelled on real wordings."""

from __future__ import annotations

import pytest

from watchbot.core.models import Act
from watchbot.core.settings import BUNDLED_RULES
from watchbot.facts import sites
from watchbot.facts.extract import read_facts
from watchbot.facts.gazetteer import gazetteer
from watchbot.match import rules

VOCABULARY = rules.load(BUNDLED_RULES).vocabulary
DRONES = "Arrêté autorisant la captation d'images au moyen de caméras installées sur des aéronefs"


@pytest.mark.parametrize("text, expected", [
    ("instituant un périmètre de protection autour du site olympique du vélodrome national", ("vélodrome national",)),
    ("à l'occasion des spectacles organisés au théâtre antique du 3 au 5 juillet", ("théâtre antique",)),
    ("à l'occasion du match au stade municipal Jean Bouin le 4 mai", ("stade municipal Jean Bouin",)),
    ("dans le secteur de l'établissement du \"Zèbre\" à Paris 11ème, le lundi 3 mai", ("établissement du Zèbre",)),
    ("dans le secteur de l'établissement le Balajo (ex « Bal à Jo ») à Paris 11ème", ("établissement le Balajo",)),
    ("portant autorisation de l'emploi dans douze gares d'un traitement algorithmique", ("douze gares",)),
    ("l'emploi dans vingt-deux stations de métro d'un traitement algorithmique", ("vingt-deux stations de métro",)),
    ("l'emploi dans trois stations de la Région autonome des transports parisiens d'un traitement",
     ("trois stations de la RATP",)),
    ("à l'occasion du concert de l'artiste à Bercy Arena le 13 décembre 2025", ("Bercy Arena",)),
    ("à l'occasion de la course cycliste sur route du Tour de France le 3 mai", ()),
    ("à l'occasion de la cérémonie d'hommage au Panthéon de Marie CURIE le jeudi 9 octobre", ("Panthéon",)),
    ("interdiction d'un rassemblement au Champ-de-Mars le samedi 27 mai", ("Champ-de-Mars",)),
    ("à l'occasion d'un concert au Zénith le 3 mai", ("Zénith",)),
    ("à l'occasion des épreuves aux Jeux Olympiques le 3 mai et du rapport au Journal officiel", ()),
    ("interdiction d'une manifestation aux abords de l'Assemblée nationale le 3 mai", ("Assemblée nationale",)),
    ("interdiction d'un rassemblement devant l'Arc de Triomphe le 3 mai", ("Arc de Triomphe",)),
    ("à l'occasion d'un concert à la Maison de la Radio le 3 mai", ("Maison de la Radio",)),
    ("à l'occasion d'une manifestation à la station de métro Châtelet le 3 mai", ("station de métro Châtelet",)),
    ("interdiction d'un rassemblement sur une dépendance du Champ-de-Mars du samedi 27 au mardi 30 mai",
     ("dépendance du Champ-de-Mars",)),
    ("interdiction d'une manifestation sur les Champs-Élysées le 3 mai", ("Champs-Élysées",)),
    ("interdiction d'une manifestation sur le territoire de la Commune le 3 mai", ()),
    ("à l'occasion du festival au domaine national de Saint-Cloud du 3 au 5 mai", ("domaine national de Saint-Cloud",)),
    ("interdiction d'un rassemblement devant la grande mosquée de Lyon le 3 mai", ("mosquée de Lyon",)),
    ("à l'occasion des épreuves au centre aquatique olympique de Saint-Denis le 3 mai",
     ("centre aquatique olympique de Saint-Denis",)),
    ("interdiction de manifestations sur l'Île-de-France et sur la Seine-et-Marne le 3 mai", ()),
    ("à l'occasion de l'hommage au Général Leclerc et aux Morts de la Libération le 25 août", ()),
    ("à l'occasion des Jeux paralympiques sur le site du Stade", ()),
    ("à l'occasion des Jeux paralympiques sur le site de l'Arena...", ()),
])
def test_a_title_names_a_venue(text, expected):
    assert sites.sites([text])[0] == expected


@pytest.mark.parametrize("text, commune, department", [
    ("interdiction d'un rassemblement au Mesnil-Amelot le 3 mai", "Le Mesnil-Amelot", "77"),
    ("interdiction d'un rassemblement à la Courneuve le 3 mai", "La Courneuve", "93"),
])
def test_a_commune_after_au_is_no_venue(text, commune, department):
    assert sites.sites([text], tuple(gazetteer().find(commune, department)))[0] == ()


def facts(title: str, categories: tuple[str, ...] = ("drones",)):
    found = read_facts(Act(None, title, None, None), VOCABULARY, categories, department="75")
    return found.scope, tuple(commune.name for commune in found.communes)


@pytest.mark.parametrize("title, expected", [
    (f"{DRONES} à l'occasion de manifestations dans les Yvelines les 17 et 18 novembre", ("department", ())),
    (f"{DRONES} à l'occasion des épreuves du 11 juillet au 13 août en Seine-et-Marne", ("department", ())),
    (f"{DRONES} dans le 93 du 10/07 au 31/08/25", ("department", ())),
    (f"{DRONES} à l'occasion de rodéos urbains dans le Val d'Oise le 3 mai", ("department", ())),
    (f"{DRONES} à l'occasion de manifestations sur le territoire de la Seine-Saint-Denis le 3 mai",
     ("department", ())),
    (f"{DRONES} à l'occasion de manifestations dans les départements de l'Essonne et des Yvelines le 3 mai",
     ("department", ())),
    (f"{DRONES} à l'occasion de rodéos urbains sur la Seine-et-Marne le 3 mai", ("department", ())),
    (f"{DRONES} à Paris et dans les départements de l'Essonne et des Yvelines le 3 mai", ("commune", ("Paris",))),
    (f"{DRONES} à Meaux en Seine-et-Marne le 3 mai", ("commune", ("Meaux",))),
    (f"{DRONES} dans le 11e arrondissement le 3 mai", ("commune", ("Paris 11e Arrondissement",))),
    (f"{DRONES} le 9 février à l'occasion du Sommet pour la paix de Paris 2025", ("", ())),
    (f"{DRONES} à l'occasion de la cérémonie d'hommage au Panthéon à Paris le 9 octobre", ("site", ("Paris",))),
])
def test_scope_of_a_title_naming_a_departement_a_venue_or_an_event(title, expected):
    assert facts(title) == expected


def test_a_title_cut_after_a_kind_of_place_is_a_site():
    title = ("Arrêté modifiant l'arrêté instituant un périmètre de protection à l'occasion des Jeux paralympiques de "
             "Paris du vendredi 30 août au lundi 9 septembre 2024 sur le site du Stade")
    assert facts(title, ("protection_perimeter",)) == ("site", ())


def test_an_etablissement_in_a_secteur_is_in_its_commune():
    title = ("Arrêté instituant un périmètre de protection dans le secteur de l'établissement du \"Zèbre\" à Paris "
             "11ème le lundi 3 mai")
    assert facts(title, ("protection_perimeter",)) == ("commune", ("Paris 11e Arrondissement",))


@pytest.mark.parametrize("text, expected", [
    ("sont autorisés sur la commune de Bully, dans la ZI des Marais (rue Victor Hugo, route de Lens, rue Ampère, "
     "Château d'eau, chemin de Grenay) au titre de la prévention", (("ZI des Marais",), False)),
    ("sont autorisés sur la commune de Bully, dans la zone industrielle du Bois Rigault au titre de la prévention",
     (("zone industrielle du Bois Rigault",), False)),
    ("sont autorisés à Lens, rue Bollaert, rue Jean-Jaurès, Château d'eau, chemin de Lens, au titre de la sécurité",
     ((), False)),
])
def test_an_industrial_zone_is_an_area_and_a_landmark_among_streets_is_one_of_them(text, expected):
    assert sites.sites([text]) == expected


@pytest.mark.parametrize("title, expected", [
    (f"{DRONES} à l'occasion du salon international du livre du 3 au 5 mai", ("site", ("salon international du livre",))),
    (f"{DRONES} à Villepinte (93) dans le cadre du festival Rock Nation", ("commune", ("festival Rock Nation",))),
    (f"{DRONES} dans le cadre du festival « Rock Nation » au bois de Vincennes du 3 au 5 mai",
     ("site", ("bois de Vincennes",))),
])
def test_a_fair_or_a_festival_is_the_place_where_the_title_names_no_venue(title, expected):
    found = read_facts(Act(None, title, None, None), VOCABULARY, ["drones"], department="75")
    assert (found.scope, found.places) == expected
