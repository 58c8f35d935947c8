"""Atom feeds of the acts found, as static files: one per account, per category and per source.

Each entry is an act: its toot as text, its page as link, an id made from the act's key, so an act
republished in another RAA is one entry, and a reader that saw it once never sees it again.
Files are replaced whole (a temporary file renamed), so a web server never serves half a feed.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

from watchbot.core.files import replace
from watchbot.core.models import Source
from watchbot.core.settings import Config
from watchbot.core.text import clean
from watchbot.discover import registry
from watchbot.match.rules import Ruleset
from watchbot.publish.outbox import DRY_RUN_LIMIT, render
from watchbot.publish.toot import TootError, page_link
from watchbot.store import Sessions, acts, posts
from watchbot.store import sources as stored_sources
from watchbot.store.records import StoredAct

log = logging.getLogger("watchbot")
PLAIN_NAME = re.compile(r"[a-z0-9_]+(?:-+[a-z0-9_]+)*")
ID_YEAR = 2026  # the date part of the tag: URIs; changing it would make every entry new to readers


@dataclass(frozen=True)
class Feed:
    path: str  # relative to the feeds directory
    title: str
    entries: Sequence[tuple[StoredAct, Sequence[str]]]  # each act with the categories its toot names
    subtitle: str = ""


def write_all(sessions: Sessions, config: Config, ruleset: Ruleset, directory: Path | None = None) -> list[Path]:
    """Write every feed into `directory` (default: the configured one); return the files written."""
    directory = directory or config.feeds_dir
    sources = {source.code: source for source in (*registry.bundled(), *(config.sources or ()))}
    written = []
    for feed in _feeds(sessions, config, ruleset):
        path = directory / feed.path
        replace(path, _atom(feed, config, ruleset, sources))
        written.append(path)
    return written


def write_after_run(sessions: Sessions, config: Config, ruleset: Ruleset) -> bool:
    """The run's last step: False when a feed could not be written (logged; the run is not undone)."""
    try:
        log.debug("feeds written: %d", len(write_all(sessions, config, ruleset)))
    except OSError as error:
        log.error("the feeds could not be written in %s: %s", config.feeds_dir, error)
        return False
    return True


def _feeds(sessions: Sessions, config: Config, ruleset: Ruleset) -> list[Feed]:
    found = acts.matched(sessions)
    feeds = []
    for account in config.accounts:
        tooted = posts.categories_by_act_key(sessions, account.name)
        feeds.append(Feed(f"accounts/{_slug(account.name)}.atom", f"watchbot — compte {account.name}",
                          _once([(act, tooted[act.key]) for act in found if act.key in tooted])))
    for category in ruleset.categories.values():
        feeds.append(Feed(f"categories/{_slug(category.name)}.atom",
                          f"watchbot — {category.emoji} {category.label}".replace("  ", " "),
                          _once([(act, [category.name]) for act in found if category.name in act.categories]),
                          category.description))
    for source in stored_sources.every(sessions):
        feeds.append(Feed(f"sources/{_slug(source.code)}.atom", f"watchbot — {clean(source.name)}",
                          _once([(act, act.categories) for act in found if act.source_code == source.code])))
    return feeds


def _once(entries: Sequence[tuple[StoredAct, Sequence[str]]]) -> list[tuple[StoredAct, Sequence[str]]]:
    """The first of the acts sharing a key (the same act republished)."""
    seen: dict[str, tuple[StoredAct, Sequence[str]]] = {}
    for entry in entries:
        seen.setdefault(entry[0].key, entry)
    return list(seen.values())


def _atom(feed: Feed, config: Config, ruleset: Ruleset, sources: Mapping[str, Source]) -> bytes:
    newest = sorted(feed.entries, key=lambda entry: entry[0].found_at, reverse=True)[:config.feeds.max_entries]
    generator = FeedGenerator()
    generator.id(_url(config, feed.path) or _tag(config, f"feed:{feed.path}"))
    generator.title(feed.title)
    if feed.subtitle:
        generator.subtitle(feed.subtitle)
    generator.author({"name": "watchbot"})
    generator.language("fr")
    generator.generator("watchbot")
    if _url(config, feed.path):
        generator.link(href=_url(config, feed.path), rel="self", type="application/atom+xml")
    generator.updated(max((act.found_at for act, _ in newest), default=datetime(2000, 1, 1, tzinfo=timezone.utc)))
    for act, names in reversed(newest):  # feedgen puts each new entry first
        categories = [ruleset.categories[name] for name in names if name in ruleset.categories]
        try:
            text = render(act, categories, sources, ruleset.vocabulary.labels(), DRY_RUN_LIMIT,
                          poor_quality_below=config.extract.poor_quality_below)
        except TootError as error:
            log.error("act %d: no entry in feed %s: %s", act.id, feed.path, error)
            continue
        entry = generator.add_entry()
        entry.id(_tag(config, f"act:{act.key}"))
        entry.title(clean(act.act.title) or clean(act.raa_title))
        entry.link(href=page_link(act.raa_url, act.act.first_page))
        entry.content(text, type="text")
        entry.updated(_dated(act))
        entry.published(_dated(act))
    return generator.atom_str(pretty=True)


def _dated(act: StoredAct) -> datetime:
    """The act's publication, its RAA's date; when the RAA is undated, when watchbot read it."""
    return datetime.combine(act.published, time(), timezone.utc) if act.published else act.found_at


def _url(config: Config, path: str) -> str | None:
    return f"{config.feeds.base_url.rstrip('/')}/{path}" if config.feeds.base_url else None


def _tag(config: Config, specific: str) -> str:
    authority = urlsplit(config.feeds.base_url).hostname or "watchbot.invalid"
    return f"tag:{authority},{ID_YEAR}:{specific}"


def _slug(name: str) -> str:
    """A file name for `name`, a different one for each name: a plain name (a-z, 0-9, _ and - inside) is its
    own file name; any other (`a.b`, `A`, `é`) gets a hash of it after its plain letters (`a-b-3f5a…`)."""
    if PLAIN_NAME.fullmatch(name):
        return name
    plain = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-") or "_"
    return f"{plain}-{hashlib.sha256(name.encode()).hexdigest()[:12]}"
