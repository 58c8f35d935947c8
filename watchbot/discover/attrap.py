"""The Attrap search API (attrap.fr, by La Quadrature du Net) as a source: a second road to the RAA of
every administration Attrap crawls.

`GET <index_url>?administration=pref94&start_date=…&end_date=…&sort=desc&page=N[&s=…]` answers
`{"elements": [{"administration", "name", "date", "url", …}], "total": N}`, newest first. The documents
stay on the prefecture's own site: the source names those hosts in its `hosts` option.

A third party's answer is bounded: the real API answers 10 elements a page and a few dozen RAA a month, so
an answer past MAX_PAGE_ELEMENTS, or a crawl reading more than MAX_ELEMENTS in all, fails the source.
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from datetime import date
from typing import Any, Mapping
from urllib.parse import urlencode

from watchbot.core.models import AttrapOptions, Listing, Source
from watchbot.discover.dates import Period
from watchbot.fetch import Fetcher

log = logging.getLogger(__name__)

MAX_PAGE_ELEMENTS = 1000  # elements on one answer page
MAX_ELEMENTS = 5000  # elements read in one crawl, all pages together


def attrap_options(overrides: Mapping[str, Any]) -> AttrapOptions:
    """A source's options for the Attrap API; ValueError naming a bad option."""
    known = {f.name for f in fields(AttrapOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; valid options: {', '.join(sorted(known))}")
    hosts = overrides.get("hosts", [])
    hosts = [hosts] if isinstance(hosts, str) else hosts
    if not isinstance(hosts, list) or not all(isinstance(host, str) for host in hosts):
        raise ValueError("option 'hosts' must be a list of strings")
    values = {name: overrides.get(name, "") for name in ("administration", "query")}
    if not all(isinstance(value, str) for value in values.values()):
        raise ValueError("options 'administration' and 'query' must be strings")
    if not values["administration"]:
        raise ValueError("the attrap strategy needs the option 'administration' (e.g. pref94)")
    return AttrapOptions(hosts=tuple(host.lower() for host in hosts), **values)


def crawl(source: Source, fetcher: Fetcher, options: AttrapOptions, span: Period, max_pages: int) -> list[Listing]:
    """The RAA of the administration published in the span, page after page until older ones come; an
    element without a url, a name or an ISO date is left out with a warning."""
    found: dict[str, Listing] = {}
    read, skipped = 0, list[str]()
    for number in range(1, max_pages + 1):
        url = _page_url(source.index_url, options, span, number)
        elements = _answer(fetcher, url)
        read += len(elements)
        if read > MAX_ELEMENTS:
            raise ValueError(f"{url}: the Attrap API answered more than {MAX_ELEMENTS} elements in all, "
                             f"far more than a month of RAA: refused")
        mine = [element for element in elements if element.get("administration") == options.administration]
        listings = [listing for element in mine if (listing := _listing(source.code, element, skipped))]
        fresh = [listing for listing in listings if listing.url not in found]
        older = [listing for listing in fresh if listing.published is not None and listing.published < span.start]
        found.update((listing.url, listing) for listing in fresh if listing not in older)
        if not fresh or older:
            break
    if skipped:
        log.warning("%s: %d element(s) of the Attrap API left out, without a url, a name or an ISO date "
                    "(first: %s)", source.code, len(skipped), skipped[0])
    return list(found.values())


def _page_url(base: str, options: AttrapOptions, span: Period, number: int) -> str:
    query = {"administration": options.administration, "start_date": span.start.isoformat(),
             "end_date": span.end.isoformat(), "sort": "desc", "page": number}
    if options.query:
        query["s"] = options.query
    return f"{base}?{urlencode(query)}"


def _answer(fetcher: Fetcher, url: str) -> list[dict]:
    try:
        elements = json.loads(fetcher.html(url).text)["elements"]
    except RecursionError:
        raise ValueError(f"{url}: the answer of the Attrap API is nested too deep: refused") from None
    except (ValueError, KeyError, TypeError):
        elements = None
    if not isinstance(elements, list) or not all(isinstance(element, dict) for element in elements):
        raise ValueError(f"{url}: not an answer of the Attrap API (no list of elements)")
    if len(elements) > MAX_PAGE_ELEMENTS:
        raise ValueError(f"{url}: the Attrap API answered {len(elements)} elements on one page, more than "
                         f"{MAX_PAGE_ELEMENTS}: refused")
    return elements


def _listing(code: str, element: dict, skipped: list[str]) -> Listing | None:
    """The element as a listing, or None, noting why in `skipped`."""
    try:
        return Listing(code, str(element["url"]), str(element["name"]), date.fromisoformat(element["date"]))
    except (KeyError, TypeError, ValueError) as error:
        skipped.append(f"{type(error).__name__} {error}"[:200])
        return None
