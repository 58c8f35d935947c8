"""Communes as acts write them besides their proper spelling: a name in lower case with its spaces doubled, names
glued by a comma, an arrondissement written out, a title's town that the articles list with its neighbours."""

from __future__ import annotations

import pytest

from watchbot.facts import places
from watchbot.facts.gazetteer import gazetteer


def names(texts: list[str], department: str | None) -> list[str]:
    return [commune.name for commune in places.communes(texts, gazetteer(), department)]


@pytest.mark.parametrize("text, department, expected", [
    ("sur les périmètres  des  communes  de Toulon,  la Seyne  sur mer,  Fréjus  et Hyères", "83",
     ["Toulon", "La Seyne-sur-Mer", "Fréjus", "Hyères"]),
    ("Considérant que les communes de Hyères et la Seyne-sur-mer comprennent", "83",
     ["Hyères", "La Seyne-sur-Mer"]),
    ("à Boulogne sur mer le 3 mai", "62", ["Boulogne-sur-Mer"]),
    ("à Blois sur mer le 3 mai", "41", ["Blois"]),
    ("une opération prévue le 12 juin à Arras,Beaurains,Agny,Achicourt;", "62",
     ["Arras", "Beaurains", "Agny", "Achicourt"]),
])
def test_a_name_in_lower_case_or_glued_by_a_comma_is_read(text, department, expected):
    assert names([text], department) == expected


@pytest.mark.parametrize("text, department, expected", [
    ("une manifestation dans le 13e arrondissement de Paris le 3 mai", "75", ["Paris 13e Arrondissement"]),
    ("une manifestation dans le 13ème arrondissement de Paris", None, ["Paris 13e Arrondissement"]),
    ("une manifestation dans le XIIIe arrondissement de Paris", "75", ["Paris 13e Arrondissement"]),
    ("un périmètre dans le 1er arrondissement de Lyon", "69", ["Lyon 1er Arrondissement"]),
    ("un périmètre dans les 7e et 8e arrondissements de Marseille", "13",
     ["Marseille 7e Arrondissement", "Marseille 8e Arrondissement"]),
    ("une manifestation sur la voie publique dans le 16ème arrondissement", "75", ["Paris 16e Arrondissement"]),
    ("les communes de l'arrondissement de Lens", "62", []),
])
def test_an_arrondissement_written_out_reads_as_the_gazetteer_names_it(text, department, expected):
    assert names([text], department) == expected


def test_the_articles_listing_the_titles_town_with_its_neighbours_give_them_all():
    title = "Autorisation de captation d'images au moyen de caméras installées sur des aéronefs - 12/06/2026 - ARRAS"
    articles = ("Article 1er : La captation est autorisée dans le secteur délimité par la D60 à Arras,Beaurains et "
                "Agny – rue d'Arras à Agny, rue Pasteur à Achicourt")
    assert names([title, articles], "62") == ["Arras", "Beaurains", "Agny", "Achicourt"]


def test_articles_naming_other_towns_than_the_titles_add_none():
    title = "Arrêté portant interdiction de manifestation à Lens le 3 mai"
    articles = "Article 1er : toute manifestation est interdite. Article 2 : recours devant le tribunal à Lille"
    assert names([title, articles], "62") == ["Lens"]
