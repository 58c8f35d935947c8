"""The outbox: toots queued in the database with the matches, then posted exactly once.

A toot is queued in the same transaction as its act (`watchbot.store.posts`). Before a
request that may reach the server, it is marked `sending`; if the run dies before the
answer is recorded, the next run first looks for the toot on the account, and only
re-sends (with the same Idempotency-Key) if it is not there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Mapping, Sequence, TextIO

from watchbot.match.rules import Ruleset
from watchbot.models import Category, Source
from watchbot.publish.post import Delivered, Poster, PostFailed, RetryLater
from watchbot.publish.toot import TootError, TootInput, compose, content_warning, page_link
from watchbot.settings import Account, ConfigError
from watchbot.store import Sessions, acts, posts
from watchbot.store.records import QueuedPost, StoredAct
from watchbot.store.states import PostState

log = logging.getLogger("watchbot")
DRY_RUN_MAX_CHARACTERS = 500


@dataclass
class PostCounts:
    posted: int = 0
    printed: int = 0
    errors: int = 0  # network errors, 5xx, 429: the toots wait for the next run
    failed: int = 0
    pending: int = 0

    def line(self) -> str:
        if self.printed:
            return f"toots {self.printed} printed (dry run), {self.pending} pending"
        return f"toots {self.posted} posted, {self.pending} pending, {self.failed} failed"


@dataclass
class Sender:
    """Posts or prints the queued toots; the counts are this sender's."""

    sessions: Sessions
    ruleset: Ruleset
    sources: Mapping[str, Source]  # by code, to name a toot's source
    out: TextIO
    user_agent: str
    counts: PostCounts = field(default_factory=PostCounts)

    def send(self, accounts: Sequence[Account], *, dry_run: bool, max_posts: int | None) -> PostCounts:
        for account in accounts:
            limit = account.max_posts_per_run if max_posts is None else min(max_posts, account.max_posts_per_run)
            queued = posts.queued(self.sessions, account.name, limit)
            if dry_run:
                for post in queued:
                    self._print_toot(post.act.id, partial(self._toot, post, account, DRY_RUN_MAX_CHARACTERS))
            else:
                self._send_account(account, queued)
            self.counts.pending += posts.count_queued(self.sessions, account.name)
        return self.counts

    def _send_account(self, account: Account, queued: Sequence[QueuedPost]) -> None:
        try:
            poster = Poster(account.api_base_url, account.token(), user_agent=self.user_agent)
            for post in queued:
                self._deliver(poster, account, post)
        except RetryLater as error:
            self.counts.errors += 1
            log.warning("account %s: posting stopped for this run: %s", account.name, error.reason)
        except ConfigError as error:
            self.counts.errors += 1
            log.error("account %s: %s", account.name, error)
        except Exception:  # a bug must not stop the other accounts; the toot stays queued
            self.counts.errors += 1
            log.exception("account %s: posting stopped for this run by an unexpected error", account.name)

    def _deliver(self, poster: Poster, account: Account, post: QueuedPost) -> None:
        try:
            if post.state == PostState.SENDING:
                found = poster.find_posted(self._marker(post.act))
                if found:
                    self._posted(post, found)
                    return
            text, spoiler = self._toot(post, account, poster.max_characters)
            posts.mark_sending(self.sessions, post.id, text)
            log.debug("toot %d for %s: sending", post.id, account.name)
            delivered = poster.post(text, idempotency_key=post.idempotency_key, visibility=account.visibility,
                                    spoiler_text=spoiler, language="fr")
            log.debug("toot %d for %s: accepted by the server as %s", post.id, account.name, delivered.status_id)
        except RetryLater as error:
            posts.record_error(self.sessions, post.id, error.reason)
            if error.stop_account:
                raise
            self.counts.errors += 1
            log.warning("toot %d for %s will be retried: %s", post.id, account.name, error.reason)
            return
        except PostFailed as error:
            if error.stop_account:  # a revoked token or a suspended account: the toot itself is fine
                posts.record_error(self.sessions, post.id, error.reason)
                raise RetryLater(f"the server refused the account: {error.reason}", stop_account=True) from error
            self._failed(post, account, error.reason)
            return
        except TootError as error:
            self._failed(post, account, str(error))
            return
        self._posted(post, delivered)

    def _failed(self, post: QueuedPost, account: Account, reason: str) -> None:
        posts.mark_failed(self.sessions, post.id, reason)
        self.counts.failed += 1
        log.error("toot %d for %s failed: %s", post.id, account.name, reason)

    def _posted(self, post: QueuedPost, delivered: Delivered) -> None:
        posts.mark_posted(self.sessions, post.id, delivered.status_id, delivered.url)
        self.counts.posted += 1
        log.info("posted toot %d: %s", post.id, delivered.url or delivered.status_id)

    def print_acts(self, act_ids: Sequence[int]) -> PostCounts:
        """Without accounts: print the toot of every act matched in this run."""
        for act_id in act_ids:
            self._print_toot(act_id, partial(self._act_toot, acts.get(self.sessions, act_id)))
        return self.counts

    def _print_toot(self, act_id: int, toot: Callable[[], tuple[str, str | None]]) -> None:
        try:
            text, spoiler = toot()
        except TootError as error:
            log.error("act %d: no toot: %s", act_id, error)
            return
        warning = f"[CW: {spoiler}]\n" if spoiler else ""
        self.out.write(f"{warning}{text}\n---\n")
        self.out.flush()
        self.counts.printed += 1

    def _known(self, names: Sequence[str]) -> list[Category]:
        return [self.ruleset.categories[name] for name in names if name in self.ruleset.categories]

    def _act_toot(self, act: StoredAct) -> tuple[str, None]:
        """An act's toot for every category it matches, as no account is there to choose."""
        return self._render(act, self._known(act.categories), DRY_RUN_MAX_CHARACTERS), None

    def _toot(self, post: QueuedPost, account: Account, max_characters: int) -> tuple[str, str | None]:
        """The queued toot's text and content warning, for this account."""
        categories = self._known(post.categories)
        spoiler = content_warning(categories, account.content_warnings)
        return self._render(post.act, categories, max_characters, spoiler), spoiler

    def _render(self, stored: StoredAct, categories: Sequence[Category], max_characters: int,
                spoiler: str | None = None) -> str:
        source = self.sources.get(stored.source_code)
        names = {category.name for category in categories}
        item = TootInput(
            source_name=source.name if source else stored.source_code,
            department=source.department if source else None,
            document_title=stored.raa_title,
            document_url=stored.raa_url,
            published=stored.published,
            act=stored.act,
            matches=tuple(match for match in stored.matches if match.category in names),
        )
        return compose(item, categories, max_characters, spoiler_text=spoiler or "")

    @staticmethod
    def _marker(stored: StoredAct) -> list[str]:
        """What the toot of this act contains for sure: its page link and its reference."""
        marker = [page_link(stored.raa_url, stored.act.first_page)]
        return marker + [f"Acte n° {stored.act.ref}"] if stored.act.ref else marker
