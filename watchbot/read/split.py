"""Split an RAA into its acts.

Three shapes, tried in order:
1. a machine-made Sommaire ("DemaRAA"): `<act id> - <title> (<n> pages) Page <p>`;
   every act page repeats the act id in its footer, which gives the offset
   between printed and PDF page numbers;
2. a Sommaire table "Arrêté | Date | INTITULÉ | Page" (Val-de-Marne), cell after
   cell as PDFium and plain pdftotext give it (with `pdftotext -layout` the rows
   interleave: such text is left to the headings);
3. no Sommaire: a page opening with a heading ("ARRÊTÉ …", "PRÉFET DE …")
   after a page that closed an act ("Fait à …, le …", a signature, the appeal
   notice) starts a new act.
A document with nothing recognisable is one act covering all its pages. Acts
found by their headings, and a whole document, take their ref and title from a
DemaRAA act cover when they open with one (the act id alone on a line).

Every pattern is linear (no nested quantifiers), so any text is safe.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from itertools import takewhile
from typing import Sequence

from watchbot.core.models import Act, Page
from watchbot.core.text import one_line

ACT_ID = r"(?:[0-9A-Z]{1,3}-)?20\d\d-[01]\d-[0-3]\d-\d{5}"
ENTRY = re.compile(rf"^[ \t]*({ACT_ID})[ \t]*-[ \t]*", re.MULTILINE)
IDENTIFIER = re.compile(ACT_ID)
COVER = re.compile(rf"^[ \t]*({ACT_ID})[ \t]*$", re.MULTILINE)  # the act id alone on a line: a DemaRAA act cover
ENTRY_TAIL = re.compile(r"\(\s*(\d{1,4})\s*pages?\s*\)\s*Page\s*(\d{1,5})\b")
MAX_ENTRY_CHARS = 3000  # a Sommaire entry's title never runs longer than this

TABLE_START = re.compile(r"^[ \t]*Arr[êe]t[ée]\s+Date\b", re.MULTILINE | re.IGNORECASE)
TABLE_TITLE = re.compile(r"\bINTITUL[ÉE]\b", re.IGNORECASE)
# the column names, on one line or (pdftotext) one per line
TABLE_WORDS = re.compile(r"^[ \t]*(?:Arr[êe]t[ée][ \t]+Date[ \t]+INTITUL[ÉE][ \t]+Page|"
                         r"Arr[êe]t[ée]|Date|INTITUL[ÉE]|Page)[ \t]*$", re.MULTILINE | re.IGNORECASE)
TABLE_REF = re.compile(r"^[ \t]*(?:19|20)\d\d[ \t]*/", re.MULTILINE)  # "2024 / 00156", "2025/\nDD94/01"
TABLE_PAGE = re.compile(r"(?:^|[ \t])(\d{1,5})[ \t]*$", re.MULTILINE)  # alone on its line or ending the title
MAX_REF_CHARS = 80  # from the start of an arrêté number to its date
DATE = re.compile(r"\b[0-3]?\d/[01]?\d/(?:19|20)\d\d\b")
SOMMAIRE_PAGES = 20  # a Sommaire table sits in the first pages

DECISION = r"ARR[ÊE]T[ÉE]|A R R [ÊE] T [ÉE]|D[ÉE]CISION"
HEADING = re.compile(rf"^[ \t]*(?:{DECISION}|PR[ÉE]F[EÈ]TE? (?:DE|DU|DES|D'))", re.MULTILINE | re.IGNORECASE)
TITLE_START = re.compile(rf"^[ \t]*(?:{DECISION})", re.MULTILINE | re.IGNORECASE)
TITLE_END = re.compile(r"^[\W_]*(?:VU\b|LE\s+PR[ÉE]F[EÈ]T|LA\s+PR[ÉE]F[EÈ]TE|\S*$)", re.IGNORECASE)
CLOSING = re.compile(r"\bFait [àa] [^\n]{1,60}?,? le\b|^[ \t]*SIGN[ÉE][ \t]*$|\bpar d[ée]l[ée]gation\b|"
                     r"\bvoies et d[ée]lais de recours\b|\bd[ée]lais et voies de recours\b",
                     re.IGNORECASE | re.MULTILINE)
HEADING_LINES = 15  # a heading opening an act sits in the first lines of its page
MAX_TITLE = 300
OVERLAP = 2  # a Sommaire's acts may cover the document's pages at most this many times

log = logging.getLogger("watchbot")


@dataclass(frozen=True)
class Entry:
    """One act listed in a Sommaire."""

    ref: str | None
    title: str
    page: int  # as printed in the Sommaire
    count: int | None = None  # "(n pages)", the act's cover page excluded


def split(pages: Sequence[Page]) -> list[Act]:
    pages = list(pages)
    if not pages:
        return []
    numbered = all(page.number is not None for page in pages)
    if not numbered:
        pages = [Page(None, "\n".join(page.text for page in pages))]
    entries, (end_page, end_offset) = sommaire_entries(pages)
    if entries and numbered:
        return listed_or_headed(pages, acts_by_page(pages, entries, end_page + 1))
    if entries:
        return acts_by_position(pages[0].text, entries, end_offset)
    entries, after = table_entries(pages)
    if entries and numbered:
        return listed_or_headed(pages, acts_by_page(pages, entries, after))
    if numbered:
        return acts_by_heading(pages)
    return [whole(pages)]


def listed_or_headed(pages: Sequence[Page], acts: list[Act]) -> list[Act]:
    """The acts a Sommaire lists, unless they overlap beyond reason: a Sommaire whose page numbers jump back
    and forth would have every page classified thousands of times. Then the acts found by their headings."""
    assigned = sum(len(act.pages) for act in acts)
    if assigned <= OVERLAP * len(pages) + len(acts):
        return acts
    log.warning("the Sommaire's %d acts would span %d pages of a %d-page document: acts found by their "
                "headings instead", len(acts), assigned, len(pages))
    return acts_by_heading(pages)


def sommaire_entries(pages: Sequence[Page]) -> tuple[list[Entry], tuple[int, int]]:
    """DemaRAA entries, and where the Sommaire ends: (page index, offset in that page's text).

    The Sommaire is the first run of pages holding entries; the page after it
    is parsed along, for an entry cut by the page break."""
    first = next((i for i, page in enumerate(pages) if page_entries(page.text)), None)
    if first is None:
        return [], (0, 0)
    last = first
    while last + 1 < len(pages) and page_entries(pages[last + 1].text):
        last += 1
    chunk = pages[first:last + 2]
    found = page_entries("\n".join(page.text for page in chunk))
    position, index = found[-1][1], first
    for page in chunk:
        if position <= len(page.text):
            break
        position -= len(page.text) + 1
        index += 1
    return unglue([entry for entry, _ in found]), (index, position)


def unglue(entries: list[Entry]) -> list[Entry]:
    """Undo a Sommaire page number glued to an entry's "Page p" ("Page 53" + "2" -> "Page 532"):
    in a DemaRAA Sommaire an act starts right after the previous one and its cover page."""
    fixed: list[Entry] = []
    for i, entry in enumerate(entries):
        expected = None
        if fixed and fixed[-1].count is not None:
            expected = fixed[-1].page + fixed[-1].count + 1
        elif i + 1 < len(entries) and entry.count is not None:
            expected = entries[i + 1].page - entry.count - 1
        if expected and expected != entry.page and str(entry.page).startswith(str(expected)):
            entry = replace(entry, page=expected)
        fixed.append(entry)
    return fixed


def page_entries(text: str) -> list[tuple[Entry, int]]:
    """Entries of a page with where each ends; ids and tails are paired in one forward pass."""
    starts = list(ENTRY.finditer(text))
    tails = list(ENTRY_TAIL.finditer(text))
    found, t = [], 0
    for i, start in enumerate(starts):
        limit = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        limit = min(limit, start.end() + MAX_ENTRY_CHARS)
        while t < len(tails) and tails[t].start() < start.end():
            t += 1
        if t < len(tails) and tails[t].start() < limit:
            tail = tails[t]
            title = one_line(text[start.end():tail.start()])
            found.append((Entry(start.group(1), title, int(tail.group(2)), int(tail.group(1))), tail.end()))
    return found


def table_entries(pages: Sequence[Page]) -> tuple[list[Entry], int]:
    """Rows of a Sommaire table: `<arrêté> <date> <intitulé> <page>`, each cell on one or more lines,
    section and column names between rows; and the index of the page after the table."""
    texts, after = [], 0
    for index, page in enumerate(pages[:SOMMAIRE_PAGES]):
        start = TABLE_START.search(page.text)
        if start and TABLE_TITLE.search(page.text, start.end()):
            texts.append(page.text[start.start():])
            after = index + 1
    text = TABLE_WORDS.sub("", "\n".join(texts))
    rows: list[tuple[int, re.Match[str]]] = []  # (start of the arrêté number, its date)
    for ref in TABLE_REF.finditer(text):
        day = DATE.search(text, ref.start(), ref.start() + MAX_REF_CHARS)
        if day and (not rows or ref.start() >= rows[-1][1].end()):
            rows.append((ref.start(), day))
    entries: list[Entry] = []
    for i, (begin, day) in enumerate(rows):
        end = rows[i + 1][0] if i + 1 < len(rows) else len(text)
        # the last number ending a line (a title line may end with a number too) that does not go back
        # in the table (a Sommaire page's own number may follow the last row)
        least = entries[-1].page if entries else 0
        cells = [cell for cell in TABLE_PAGE.finditer(text, day.end(), end) if int(cell.group(1)) >= least]
        if not cells or laid_out(text, cells[-1].start(1)):
            return [], 0  # a row without page number, or cells side by side: not a table we can read
        cell = cells[-1]
        entries.append(Entry(one_line(text[begin:day.start()]), one_line(text[day.end():cell.start()]),
                             int(cell.group(1))))
    return entries, after


def laid_out(text: str, position: int) -> bool:
    """Whether the page number at position ends a line of cells set apart by runs of spaces
    (pdftotext -layout): the title then goes on after it, on the next lines."""
    line = text[text.rfind("\n", 0, position) + 1:position]
    return bool(line.strip()) and line.endswith("   ")


def acts_by_page(pages: Sequence[Page], entries: Sequence[Entry], after: int) -> list[Act]:
    """Acts of a document whose pages are numbered, from Sommaire entries;
    act ids are looked for in the pages from index `after` on."""
    last = number(pages[-1])
    offset = page_offset(pages[after:], entries)
    acts = []
    for i, entry in enumerate(entries):
        first = max(entry.page + offset, number(pages[0]))
        end = printed_end(entries, i)
        stop = last if end is None else end + offset
        stop = max(min(stop, last), first)  # an act listed beyond the last page keeps its title, with no pages
        chosen = tuple(page for page in pages if first <= number(page) <= stop)
        acts.append(Act(entry.ref, entry.title, first, stop, chosen))
    return acts


def number(page: Page) -> int:
    """The PDF page number of a page of a numbered document."""
    if page.number is None:
        raise ValueError("an unnumbered page where every page has a number")
    return page.number


def printed_end(entries: Sequence[Entry], index: int) -> int | None:
    """The last page of an act as printed: the page before the next act's, else its cover and its n pages."""
    entry = entries[index]
    if index + 1 < len(entries):
        end = entries[index + 1].page - 1
    elif entry.count is not None:
        end = entry.page + entry.count
    else:
        return None
    return max(end, entry.page)


def page_offset(pages: Sequence[Page], entries: Sequence[Entry]) -> int:
    """PDF page minus printed page, voted by the pages where each act id first appears (in the act's
    cover and footers); 0 without votes (a table's arrêté numbers are not looked for)."""
    votes: Counter[int] = Counter()
    remaining = {entry.ref: entry.page for entry in entries if entry.ref}
    for page in pages:
        for found in IDENTIFIER.finditer(page.text):
            if found.group(0) in remaining:
                votes[number(page) - remaining.pop(found.group(0))] += 1
    return votes.most_common(1)[0][0] if votes else 0


def acts_by_position(text: str, entries: Sequence[Entry], cursor: int) -> list[Act]:
    """Acts of a text without page markers: each act runs from its id, looked for after the Sommaire
    (which ends at cursor), to the next act's. Pages are the printed ones (DemaRAA prints PDF page numbers)."""
    starts = []
    for entry in entries:
        position = text.find(entry.ref, cursor) if entry.ref else -1
        starts.append(position if position >= 0 else None)
        cursor = max(cursor, position)
    ends, end = [], len(text)
    for start in reversed(starts):
        ends.append(end)
        end = end if start is None else start
    ends.reverse()
    return [Act(entry.ref, entry.title, entry.page, printed_end(entries, i),
                () if starts[i] is None else (Page(None, text[starts[i]:ends[i]]),))
            for i, entry in enumerate(entries)]


def acts_by_heading(pages: Sequence[Page]) -> list[Act]:
    """Acts of a document without Sommaire: an act closes with "Fait à …, le …", a signature
    ("SIGNÉ", "par délégation") or the appeal notice; the next one opens on a page whose
    first lines hold a heading."""
    groups: list[list[Page]] = []
    closed = True
    for page in pages:
        if not groups or (closed and opens_act(page.text)):
            groups.append([page])
            closed = False
        else:
            groups[-1].append(page)
        closed = closed or CLOSING.search(page.text) is not None
    if len(groups) == 1:
        return [whole(pages)]
    return [Act(*describe(group[0].text), group[0].number, group[-1].number, tuple(group)) for group in groups]


def opens_act(text: str) -> bool:
    return HEADING.search(top(text)) is not None


def top(text: str) -> str:
    lines = [line for line in text.split("\n", 4 * HEADING_LINES)[:4 * HEADING_LINES] if line.strip()]
    return "\n".join(lines[:HEADING_LINES])


def describe(text: str) -> tuple[str | None, str]:
    """The ref and title of an act from its first page: a DemaRAA cover (the act id alone on a line,
    then the title up to the footer repeating the id), else its heading."""
    head = top(text)
    cover = COVER.search(head)
    if cover is None:
        return None, heading_title(head)
    lines = takewhile(lambda line: cover.group(1) not in line, head[cover.end():].strip().split("\n"))
    return cover.group(1), one_line(" ".join(lines))[:MAX_TITLE]


def heading_title(head: str) -> str:
    """The "Arrêté …" (else any heading) line and the lines after it up to the visas ("Vu …"),
    the author or a blank or one-word line; else the first line."""
    match = TITLE_START.search(head) or HEADING.search(head)
    lines = head[match.start():].split("\n") if match else head.split("\n")[:1]
    title = lines[:1] + list(takewhile(lambda line: not TITLE_END.match(line), lines[1:4]))
    return one_line(" ".join(title))[:MAX_TITLE]


def whole(pages: Sequence[Page]) -> Act:
    first = pages[0].number if pages[0].number is not None else 1  # unnumbered, the text still starts on page 1
    return Act(*describe(pages[0].text), first, pages[-1].number, tuple(pages))

