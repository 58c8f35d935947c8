"""The Attrap search API (attrap.fr, by La Quadrature du Net) as a source: a second road to the RAA of
every administration Attrap crawls.

`GET <index_url>?administration=pref94&start_date=…&end_date=…&sort=desc&page=N[&s=…]` answers
`{"elements": [{"administration", "name", "date", "url", …}], "total": N}`, newest first. The documents
stay on the prefecture's own site: the source names those hosts in its `hosts` option.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from typing import Any, Mapping
from urllib.parse import urlencode

from watchbot.discover.dates import Period
from watchbot.fetch import Fetcher
from watchbot.core.models import AttrapOptions, Listing, Source


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
    """The RAA of the administration published in the span, page after page until older ones come."""
    found: dict[str, Listing] = {}
    for number in range(1, max_pages + 1):
        elements = _answer(fetcher, _page_url(source.index_url, options, span, number))
        listings = [_listing(source.code, element) for element in elements
                    if element.get("administration") == options.administration]
        fresh = [listing for listing in listings if listing.url not in found]
        older = [listing for listing in fresh if listing.published is not None and listing.published < span.start]
        found.update((listing.url, listing) for listing in fresh if listing not in older)
        if not fresh or older:
            break
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
        if isinstance(elements, list) and all(isinstance(element, dict) for element in elements):
            return elements
    except (ValueError, KeyError, TypeError):
        pass
    raise ValueError(f"{url}: not an answer of the Attrap API (no list of elements)")


def _listing(code: str, element: dict) -> Listing:
    try:
        return Listing(code, str(element["url"]), str(element["name"]), date.fromisoformat(element["date"]))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"an element of the Attrap API lacks a url, a name or an ISO date: {error}") from None
