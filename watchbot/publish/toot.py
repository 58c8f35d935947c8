"""Compose the toot of an act for one account (README: What the toots look like), in French.

A toot fits the server's limit as the server counts it (`Limit`): Mastodon's
way (graphemes, every URL as 23 characters, `@user@domain` as `@user`), or every
character of a link counted (GoToSocial, Takahē, Akkoma/Pleroma). When it is too
long, the excerpt is shortened first, then dropped, then the title is shortened
(the RAA's name with it, then without it, then without the publication date),
then the line of facts; the words naming the act's kind, the link and the
hashtags are never cut. The excerpt is quoted only when no fact was read.

Text taken from documents (title, reference, RAA name, excerpt, places) can never
mention, tag or link: an invisible WORD JOINER (U+2060) is put after every
`@` and `#`, after a `.` followed by a letter (domain names) and after the `:`
of a URL scheme. Mastodon's parsers (and the common client-side linkifiers)
then see no user name, hashtag, domain or URL, while the text reads the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Callable, Mapping, Sequence
from urllib.parse import urlsplit

import grapheme
from mastodon import Mastodon
from mastodon._url_regex import url_regex  # Mastodon's URL regex, the one get_status_length uses
from requests.utils import requote_uri

from watchbot.core.departments import DEPARTMENTS
from watchbot.core.errors import WatchbotError
from watchbot.core.models import Act, Category, Facts, Match
from watchbot.core.text import ELLIPSIS, clean, shorten
from watchbot.publish.factline import facts_line, french_date, kind_words

WORD_JOINER = "\u2060"
MIN_EXCERPT = 40  # shorter than this, an excerpt says nothing: drop it
MAX_EXCERPT = 200
SCAN_EXCERPT = 100  # an excerpt from a page read poorly by OCR is kept short, and said to be uncertain
SCAN_NOTE = " (page scannée, lecture incertaine)"
MAX_NAME = 120  # the RAA name is also cut to the title's budget
MIN_TITLE = 20
# What Mastodon (and client linkifiers) would turn into a mention, a hashtag or a link.
LINKABLE = re.compile(r"[@＠#＃]|\.(?=[^\W\d_])|:(?=//)|(?<=xmpp):|(?<=magnet):", re.IGNORECASE)
# Characters that never join a neighbour into one grapheme: a line of them counts one per character.
PLAIN_LINE = re.compile(r"[\t\x20-\x7e\xa0-\u02ff\u2010-\u2027\u2030-\u205e\u20ac]*")
# Act identifiers of the DSFR sites carry the signature date: 83-2025-06-06-00001.
DATED_REF = re.compile(r"(?:\b[0-9A-Z]{1,3}-|\b)(\d{4})-(\d{2})-(\d{2})-\d{5}\b")  # 83-, D77-, BFC-, Nord: none


@dataclass(frozen=True)
class Limit:
    """A server's rule: at most `characters`, a link counting `url_length` (None: every character of it).

    Counted in full, a toot counts its code points, as GoToSocial and Takahē do (Akkoma counts
    graphemes, never more): a flag emoji made of several code points then counts several.
    """

    characters: int
    url_length: int | None = 23


class TootError(WatchbotError):
    """The toot cannot fit the server's limit even with its excerpt dropped and its title cut."""


@dataclass(frozen=True)
class TootInput:
    source_name: str
    department: str | None
    document_title: str
    document_url: str
    published: date | None
    act: Act
    matches: tuple[Match, ...]  # the act's matches for this account's categories
    poor_pages: frozenset[int] = frozenset()  # pages of the document that OCR read poorly
    facts: Facts | None = None
    labels: Mapping[str, str] = field(default_factory=dict)  # of the purposes and operators, by name


def compose(item: TootInput, categories: Sequence[Category], max_characters: int = 500,
            spoiler_text: str = "", url_length: int | None = 23) -> str:
    """The toot of `item` for an account following `categories`, within `max_characters`.

    `spoiler_text` (the content warning, if any) counts towards the limit, as on Mastodon;
    a link counts `url_length` characters, every one of its characters when None.
    """
    if not categories:
        raise TootError("a toot needs at least one category")
    title = clean(item.act.title) or clean(item.document_title)
    lead = clean(facts_line(item.facts, item.labels, item.department)) if item.facts else ""
    if lead and _read_poorly(item.act, item.poor_pages):  # facts read on a scan are as uncertain as a quote
        lead += SCAN_NOTE
    excerpt, words, scanned = ("", "", False) if lead else _excerpt(item.matches, item.poor_pages)

    def render(title_budget: int, excerpt_budget: int, name_budget: int | None, lead_budget: int = len(lead)) -> str:
        return _render(item, categories, shorten(lead, lead_budget), shorten(title, title_budget),
                       _window(excerpt, words, excerpt_budget), name_budget, scanned)

    limit = max_characters - length("", spoiler_text, url_length)

    def overshoot(title_budget: int, excerpt_budget: int, name_budget: int | None, lead_budget: int = len(lead)) -> int:
        return length(render(title_budget, excerpt_budget, name_budget, lead_budget), url_length=url_length) - limit

    longest = min(len(excerpt), SCAN_EXCERPT if scanned else MAX_EXCERPT)
    full_name = min(len(title), MAX_NAME)
    excerpt_budget = _largest(lambda budget: overshoot(len(title), budget, full_name), min(MIN_EXCERPT, longest),
                              longest)
    if excerpt_budget is not None or overshoot(len(title), 0, full_name) <= 0:
        return render(len(title), excerpt_budget or 0, full_name)

    def shortened(name: Callable[[int], int | None]) -> str | None:
        """Without excerpt, the title shortened to fit, the RAA's name budgeted by `name`."""
        title_budget = _largest(lambda budget: overshoot(budget, 0, name(budget)), min(MIN_TITLE, len(title)),
                                len(title))
        return None if title_budget is None else render(title_budget, 0, name(title_budget))

    def shorter_lead() -> str | None:
        """The title at its shortest, without the RAA's name: the line of facts cut to fit."""
        title_budget = min(MIN_TITLE, len(title))
        lead_budget = _largest(lambda budget: overshoot(title_budget, 0, None, budget), 0, len(lead))
        return None if lead_budget is None else render(title_budget, 0, None, lead_budget)

    # the RAA's name shortened with the title, then dropped, then the publication date too: the link names the RAA
    toot = (shortened(lambda budget: min(budget, MAX_NAME)) or shortened(lambda budget: 0)
            or shortened(lambda budget: None) or shorter_lead())
    if toot is None:
        raise TootError(f"the toot of act {item.act.ref or item.act.title[:60]!r} cannot fit "
                        f"{max_characters} characters without losing its link or hashtags")
    return toot


def _render(item: TootInput, categories: Sequence[Category], lead: str, title: str, excerpt: str,
            name_budget: int | None, scanned: bool) -> str:
    labels = " · ".join(f"{category.emoji} {category.label}".strip() for category in categories)
    place = f"{item.source_name} ({item.department})" if item.department else item.source_name
    kind = kind_words(item.facts, item.act.title)
    head = [(f"{kind} — " if kind else "") + f"{labels} — {neutralise(clean(place))}", neutralise(lead),
            neutralise(title)]
    if item.act.ref:
        signed = ref_date(item.act.ref)
        head.append(f"Acte n° {neutralise(clean(item.act.ref))}" + (f" du {french_date(signed)}" if signed else ""))
    head.append(_paper(item, name_budget))
    blocks = ["\n".join(line for line in head if line)]
    if excerpt:
        blocks.append(f"« {neutralise(excerpt)} »" + (SCAN_NOTE if scanned else ""))
    page = item.act.first_page or next((m.page for m in item.matches if m.page), None)
    blocks.append(page_link(item.document_url, page))
    blocks.append(" ".join(f"#{tag}" for tag in hashtags(categories, item.department)))
    return "\n\n".join(block for block in blocks if block)


def _paper(item: TootInput, name_budget: int | None) -> str:
    """Where the act was published: "Paru le 6 juin 2025 dans « RAA n°12 », p. 3-6"; pages only without budget."""
    pages = page_range(item.act.first_page, item.act.last_page)
    if name_budget is None:
        return pages
    name = clean(item.document_title)
    name = "" if name.casefold() == clean(item.act.title).casefold() else shorten(name, name_budget)
    published = french_date(item.published) if item.published else ""
    when = f" le {published}" if published and published not in name else ""
    where = f" dans « {neutralise(name)} »" if name else ""
    return f"Paru{when}{where}" + (f", {pages}" if pages else "") if when or where else pages


def length(text: str, spoiler_text: str = "", url_length: int | None = 23) -> int:
    """The length a server counts, content warning included.

    By default Mastodon's: graphemes, URLs as 23, `@user@domain` as `@user`: Mastodon.py's
    `get_status_length`, line by line (a line break always separates graphemes, URLs and user
    names); a line without URL, user name or joining character counts its characters, as the
    grapheme count is slow on long texts. Another `url_length` changes what each URL counts;
    None counts every code point, the strictest count of the servers known.
    """
    if url_length is None:
        return len(text) + len(spoiler_text)
    if "\r" in text:
        counted = Mastodon.get_status_length(text, spoiler_text)
    else:
        lines = text.split("\n")
        counted = sum(map(_line_length, lines)) + len(lines) - 1 + Mastodon.get_status_length("", spoiler_text)
    return counted + (url_length - 23) * len(url_regex.findall(text)) if url_length != 23 else counted


@lru_cache(maxsize=4096)
def _line_length(line: str) -> int:
    if PLAIN_LINE.fullmatch(line) and "://" not in line and "@" not in line:
        return len(line)
    return Mastodon.get_status_length(line)


def page_link(url: str, page: int | None) -> str:
    """The document's URL (percent-encoded, without its fragment) opening at `page` when known.

    The URL comes from a site: every `@` is percent-encoded too, as Mastodon looks for mentions in the
    whole text, links included (a query holding `.@admin@example.org` would mention that account).
    """
    if not url.strip().lower().startswith(("http://", "https://")):
        raise TootError(f"not a web link: {url[:100]!r}")
    if "@" in urlsplit(url).netloc:
        raise TootError("a link with a user name is never posted")
    base = requote_uri(clean(url).split("#", 1)[0].replace(" ", "%20")).replace("@", "%40")
    # after a "=" or "&", Mastodon would read "#page" as a hashtag: such a link opens at its first page
    return f"{base}#page={page}" if page and page > 0 and re.search(r"[\w/)]$", base) else base


def page_range(first: int | None, last: int | None) -> str:
    if not first:
        return ""
    return f"p. {first}-{last}" if last and last > first else f"p. {first}"


def ref_date(ref: str) -> date | None:
    """The date in an act identifier such as 83-2025-06-06-00001, if any."""
    found = DATED_REF.search(ref)
    if not found:
        return None
    try:
        return date(*map(int, found.groups()))
    except ValueError:
        return None


def hashtags(categories: Sequence[Category], department: str | None) -> list[str]:
    """The categories' hashtags (their names when they have none), then the département's name."""
    names = [tag for category in categories for tag in (category.hashtags or (category.name,))]
    # The département hashtag is its name: Mastodon needs a letter in a hashtag, so "#83" would stay plain text.
    if department and department.upper() in DEPARTMENTS:
        names.append(DEPARTMENTS[department.upper()])
    tags: dict[str, str] = {}  # Mastodon's hashtags ignore case: the first spelling wins
    for tag in filter(None, map(hashtag, names)):
        tags.setdefault(tag.casefold(), tag)
    return list(tags.values())


def hashtag(name: str) -> str:
    """A word Mastodon takes as a hashtag: "Bouches-du-Rhône" -> "BouchesDuRhône"; "" when impossible."""
    parts = [part for part in re.split(r"[\W_]+", name.lstrip("#")) if part]
    tag = parts[0] + "".join(part[:1].upper() + part[1:] for part in parts[1:]) if parts else ""
    return tag if re.search(r"[^\W\d_]", tag) else ""


def content_warning(categories: Sequence[Category], warnings: Mapping[str, str]) -> str | None:
    """The account's content warnings for these categories, joined; None when there is none."""
    texts = dict.fromkeys(warnings[c.name].strip() for c in categories if warnings.get(c.name, "").strip())
    return " / ".join(texts) or None


def neutralise(text: str) -> str:
    """Document text that can no longer mention, tag or link (see the module docstring)."""
    return LINKABLE.sub(lambda found: found.group() + WORD_JOINER, text)


def _read_poorly(act: Act, poor_pages: frozenset[int]) -> bool:
    if act.first_page is None:
        return False
    return any(number in poor_pages for number in range(act.first_page, (act.last_page or act.first_page) + 1))


def _excerpt(matches: Sequence[Match], poor_pages: frozenset[int]) -> tuple[str, str, bool]:
    """The first match's excerpt and words, a match on a page read poorly only when there is no other, and
    whether it is one; its ellipses ("… text …") written as the toot writes its own."""
    for match in sorted(matches, key=lambda match: match.page in poor_pages):
        text = re.sub(r"^(?:\.\.\.|…)\s*|\s*(?:\.\.\.|…)$", ELLIPSIS, clean(match.excerpt))
        if text.strip(ELLIPSIS):
            return text, clean(match.words), match.page in poor_pages
    return "", "", False


def _window(text: str, words: str, budget: int) -> str:
    """At most `budget` characters of `text` around `words`, cut at word boundaries, ellipses included."""
    if len(text) <= budget:
        return text
    if budget < MIN_EXCERPT:
        return ""
    found = text.casefold().find(words.casefold()) if words else -1
    centre = found + len(words) // 2 if found >= 0 else len(text) // 2
    start = max(0, min(centre - budget // 2, len(text) - budget))
    end = start + budget
    start, end = start + (1 if start else 0), end - (1 if end < len(text) else 0)  # room for the ellipses
    if start:
        start = text.find(" ", start, end) + 1 or grapheme.safe_split_index(text, start)
    if end < len(text):
        end = text.rfind(" ", start, end + 1) if " " in text[start:end] else grapheme.safe_split_index(text, end)
    return (ELLIPSIS if start else "") + text[start:end].strip() + (ELLIPSIS if end < len(text) else "")


def _largest(overshoot: Callable[[int], int], low: int, high: int) -> int | None:
    """A budget in [low, high] whose toot fits, `overshoot(budget)` being how much a toot is too long.

    Cutting n characters shortens a toot by about n, so stepping down by the overshoot ends in one or
    two renderings, a word short of the best fit at worst.
    """
    if high < low:
        return None
    budget = high
    while (over := overshoot(budget)) > 0:
        if budget == low:
            return None
        budget = max(low, budget - over)
    return budget
