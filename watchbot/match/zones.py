"""An act read as a legal document: its text cut into zones.

The zones, in the order an act gives them: the title (everything before the
first clause: service headings, Sommaire entry, « ARRÊTÉ n° … portant … »,
« Le préfet de … »), the visas (« Vu … »), the considérants (« Considérant
que … », « Sur proposition … »), the dispositif (« ARRÊTE : », « Article 1er »
and what follows), the signature (« Fait à … ») and the annexes. A text
without any of these markers, such as a Sommaire entry, is title only; but a
title ends at the first « ; » clause: what follows it, in a text without
markers (a page of a list of powers, a garbled scan), is read as the
dispositif.

Markers are found on the raw text at the start of a line or of a clause (after
« ; », « : » or « . »), whatever the case, and also when the extraction glued
the next word to them (« VUle code », « CONSIDÉRANTque »).
"""

from __future__ import annotations

import re
from typing import Iterator

TITLE, VISAS, CONSIDERANTS, DISPOSITIF, SIGNATURE, ANNEXES = (
    "title", "visas", "considerants", "dispositif", "signature", "annexes")
ZONES = (TITLE, VISAS, CONSIDERANTS, DISPOSITIF, SIGNATURE, ANNEXES)

# A marker follows a line end or a clause end; starting with these characters
# lets the regular expression engine skip quickly to the candidates.
_START = r"[\n;:.][ \t>|•\-–_*]*"
_MARKER = re.compile(
    r"(?:" + _START + r"(?:"
    r"(?P<visas>vu(?![^\W\d_])|vu(?=(?:les?|la|l'|l’|d[eu]|des)(?![^\W\d_])))"
    r"|(?P<considerants>consid[ée]rant|sur (?:la )?proposition)"
    r"|(?P<decides>a ?r ?r ?[eêé] ?t ?e(?:nt)?|d[ée]cide(?:nt)?)[ \t]*:?[ \t]*$"
    # « Article 1er : », « ARTICLE 2 - », « Article premier. », but not « notamment son\narticle 1er ; »
    r"|(?P<article>(?-i:A)rticle[ \t]*(?:\d+|premier|unique|ler|[IVX]+)[ \t]*(?:er)?[*°]?[ \t]*(?:[:;\-–.]|$))"
    r"|(?P<signature>fait [àa](?![^\W\d_])|sign[ée](?![^\W\d_])|pour le pr[ée]fet)"
    r"|(?P<annexes>annexes?(?![^\W\d_]))"
    r")|(?P<clause>;)(?=\s))",
    re.IGNORECASE | re.MULTILINE)


def zones(text: str, zone: str = TITLE) -> Iterator[tuple[str, int, int]]:
    """(zone, start, end) spans covering ``text``, which starts in ``zone``
    (the zone where the previous page ended)."""
    start = 0
    for marker in _MARKER.finditer("\n" + text):  # the text starts a line
        group = marker.lastgroup
        if group is None:  # every alternative of the pattern is a named group
            continue
        following = _next_zone(zone, group)
        if following != zone:
            at = marker.start(group) - 1
            if at > start:
                yield zone, start, at
            zone, start = following, at
    if start < len(text) or not text:
        yield zone, start, len(text)


def _next_zone(zone: str, marker: str | None) -> str:
    if marker == "clause":  # a title has no « ; »: text without markers is read as what the act decides
        return DISPOSITIF if zone == TITLE else zone
    if marker == "decides":  # « ARRÊTE » alone on its line ends the clauses; before them it is a title
        return DISPOSITIF if zone in (VISAS, CONSIDERANTS) else zone
    if marker == "article":
        return DISPOSITIF if zone != ANNEXES else zone
    if marker in (SIGNATURE, ANNEXES):
        return marker if zone in (DISPOSITIF, SIGNATURE, ANNEXES) else zone
    if zone in (SIGNATURE, ANNEXES):  # an annex may cite texts: it stays an annex
        return zone
    return marker or zone
