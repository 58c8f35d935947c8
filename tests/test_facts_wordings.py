"""Facts (SPEC §9) on the wordings of titles and articles nobody tuned for: dates and hours as Préfecture de police
titles and Var articles write them, kinds, purposes, operators and cameras, on synthetic sentences modelled on
real ones."""

from __future__ import annotations

from datetime import date

import pytest

from tests.test_facts import period


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
