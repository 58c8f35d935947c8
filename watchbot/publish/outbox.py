"""The outbox: toots queued in the database with the matches, then posted exactly once.

A toot is queued in the same transaction as its act (`watchbot.store.posts`). Before a
request that may reach the server, it is marked `sending`; when the server answers with a
refusal it goes back to `pending` or on to `failed`. A toot left `sending` (the run died,
the answer was lost) is first looked up on the account: found, it is posted; not found, it
is sent again with the same Idempotency-Key, except for visibilities a server may not list
back to their author (followers-only, direct): those wait for a human decision
(`watchbot retry --sending`), as a blind re-send could post them twice on servers that
ignore the key. Before an account's first toot of a run, its last statuses are read: a toot
they already show (a lost or replaced database) is counted as found, not posted again.

A refusal of the account (wrong token, missing scope, suspension) stops that account for
the run and keeps its toots queued, whatever the server's status code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Mapping, Sequence, TextIO

from watchbot.core.clock import utcnow
from watchbot.core.models import Category, Source
from watchbot.core.settings import Account, ConfigError, ExtractSettings
from watchbot.match.rules import Ruleset
from watchbot.publish.post import LISTED, AccountRefused, Delivered, Poster, PostFailed, RetryLater, TooLong
from watchbot.publish.toot import WORD_JOINER, Limit, TootError, TootInput, compose, content_warning, page_link
from watchbot.store import Sessions, acts, posts
from watchbot.store.records import QueuedPost, StoredAct
from watchbot.store.states import PostState

log = logging.getLogger("watchbot")
HELD = "sending: needs a human decision"
DRY_RUN_LIMIT = Limit(500)


@dataclass
class PostCounts:
    sent: int = 0
    found: int = 0  # a toot an interrupted run had sent, found on the account
    printed: int = 0
    errors: int = 0  # network errors, 5xx, 429, held toots: the toots wait for the next run or a human
    failed: int = 0
    pending: int = 0
    held: int = 0
    stopped: list[str] = field(default_factory=list)  # accounts the server refused

    @property
    def posted(self) -> int:
        return self.sent + self.found

    def line(self) -> str:
        if self.printed:
            return f"toots {self.printed} printed (dry run), {self.pending} pending"
        held = f", {self.held} held for a human decision" if self.held else ""
        stopped = f"; accounts stopped: {', '.join(self.stopped)}" if self.stopped else ""
        return (f"toots {self.sent} sent, {self.found} found already posted, {self.pending} pending, "
                f"{self.failed} failed{held}{stopped}")


def account_hint(account: Account) -> str:
    """What a human should check when the server refuses an account; never the token itself."""
    where = (f"${account.access_token_env}" if account.access_token_env
             else account.access_token_file or "its access token")
    return (f"check the token in {where} (an access token of this account on {account.api_base_url}, "
            f"with the scope write:statuses), the api_base_url, and that the account is not suspended or disabled")


@dataclass
class Sender:
    """Posts or prints the queued toots; the counts are this sender's."""

    sessions: Sessions
    ruleset: Ruleset
    sources: Mapping[str, Source]  # by code, to name a toot's source
    out: TextIO
    user_agent: str
    poor_quality_below: float = ExtractSettings.poor_quality_below  # an excerpt of such a page is said uncertain
    counts: PostCounts = field(default_factory=PostCounts)

    def send(self, accounts: Sequence[Account], *, dry_run: bool, max_posts: int | None) -> PostCounts:
        for account in accounts:
            limit = account.max_posts_per_run if max_posts is None else min(max_posts, account.max_posts_per_run)
            queued = posts.queued(self.sessions, account.name, limit)
            if dry_run:
                for post in queued:
                    self._print_toot(post.act.id, partial(self._toot, post, account, DRY_RUN_LIMIT))
            elif queued and not self._rate_limited(account):
                self._send_account(account, queued)
            self.counts.pending += posts.count_queued(self.sessions, account.name)
        return self.counts

    def _rate_limited(self, account: Account) -> bool:
        """True while a 429's reset time is ahead: no request to this account before it."""
        until = posts.rate_limited_until(self.sessions, account.name)
        if until is None or until <= utcnow():
            return False
        log.info("account %s: rate limited until %s UTC: its toots wait", account.name, f"{until:%H:%M:%S}")
        return True

    def _send_account(self, account: Account, queued: Sequence[QueuedPost]) -> None:
        try:
            poster = Poster(account.api_base_url, account.token(), user_agent=self.user_agent)
            _warn_if_readable(account)
            # a lost or replaced database must not post again what the account already shows
            shown = self._already_shown(poster, queued)
            for post in queued:
                self._deliver(poster, account, post, shown.get(post.id))
        except RetryLater as error:
            self.counts.errors += 1
            log.warning("account %s: posting stopped for this run: %s", account.name, error.reason)
            self._wait(account, error.reason, error.retry_at)
        except AccountRefused as error:
            self._stop(account, f"the server refused the account ({error.reason})")
        except ConfigError as error:
            self._stop(account, str(error))
        except Exception:  # a bug must not stop the other accounts; the toot stays queued
            self.counts.errors += 1
            log.exception("account %s: posting stopped for this run by an unexpected error", account.name)

    def _stop(self, account: Account, reason: str) -> None:
        self.counts.errors += 1
        self.counts.stopped.append(account.name)
        log.error("account %s: %s: nothing posted to it in this run, its toots stay queued; %s", account.name,
                  reason, account_hint(account))
        self._wait(account, f"account stopped: {reason}")

    def _wait(self, account: Account, reason: str, retry_at: datetime | None = None) -> None:
        """Say why the account's queued toots wait (those a human must decide on keep their reason)."""
        posts.wait(self.sessions, account.name, reason, retry_at, keep=HELD)

    def _already_shown(self, poster: Poster, queued: Sequence[QueuedPost]) -> dict[int, Delivered]:
        """The queued toots the account already shows, by id: its statuses are read back until each is found
        or they are older than the oldest RAA of the toots (no toot of an act is older than its RAA)."""
        wanted = {post.id: [text.replace(WORD_JOINER, "") for text in self._marker(post.act)]
                  for post in queued if post.state != PostState.SENDING}
        days = [post.act.published for post in queued if post.id in wanted]
        since = None if not days or None in days else datetime.combine(min(filter(None, days)), time(), timezone.utc)
        found: dict[int, Delivered] = {}
        for status in poster.recent() if wanted else ():
            found.update({post_id: status.delivered for post_id, marker in wanted.items()
                          if post_id not in found and all(part in status.text for part in marker)})
            if len(found) == len(wanted) or (since and status.created_at and status.created_at < since):
                break
        return found

    def _deliver(self, poster: Poster, account: Account, post: QueuedPost, shown: Delivered | None) -> None:
        try:
            if post.state == PostState.SENDING and self._recovered(poster, account, post):
                return
            if post.state != PostState.SENDING and shown:
                self._posted(post, shown, found=True)
                return
            delivered = self._post(poster, account, post)
        except RetryLater as error:
            if error.stop_account:
                raise
            self.counts.errors += 1
            log.warning("toot %d for %s will be retried: %s", post.id, account.name, error.reason)
            return
        except (PostFailed, TootError) as error:
            self._failed(post, account, error.reason if isinstance(error, PostFailed) else str(error))
            return
        self._posted(post, delivered, found=False)

    def _recovered(self, poster: Poster, account: Account, post: QueuedPost) -> bool:
        """A toot an interrupted run was sending: True when it is settled (found, or held for a human)."""
        found = poster.find_posted(self._marker(post.act), home=account.visibility not in LISTED)
        if found:
            self._posted(post, found, found=True)
            return True
        if account.visibility in LISTED:
            return False  # the account's list shows every toot of this visibility: not there, not posted
        reason = (f"{HELD}: the run stopped while sending this {account.visibility} toot, which the "
                  f"server may not list back; if the account shows it, `watchbot retry --mark-posted {post.id}` "
                  f"records it; if not, `watchbot retry --sending --account {account.name}` sends it again")
        posts.hold(self.sessions, post.id, reason)
        self.counts.held += 1
        self.counts.errors += 1
        log.warning("toot %d for %s: %s", post.id, account.name, reason)
        return True

    def _post(self, poster: Poster, account: Account, post: QueuedPost) -> Delivered:
        """Send the toot; a too-long refusal gets one new composition under the server's stricter count."""
        try:
            return self._send(poster, account, post, post.idempotency_key)
        except TooLong as refusal:
            if not poster.tighten(refusal):
                raise
        key = posts.idempotency_key(account.name, post.act_key, post.attempts + 1)
        return self._send(poster, account, post, key)

    def _send(self, poster: Poster, account: Account, post: QueuedPost, key: str) -> Delivered:
        text, spoiler = self._toot(post, account, poster.limit)
        posts.mark_sending(self.sessions, post.id, text, key)
        log.debug("toot %d for %s: sending", post.id, account.name)
        try:
            delivered = poster.post(text, idempotency_key=key, visibility=account.visibility,
                                    spoiler_text=spoiler, language="fr")
        except (AccountRefused, PostFailed) as refusal:  # the server answered: it does not have the toot
            posts.mark_refused(self.sessions, post.id, refusal.reason)
            raise
        except RetryLater as error:
            if error.maybe_posted:
                posts.record_error(self.sessions, post.id, error.reason)
            else:
                posts.mark_refused(self.sessions, post.id, error.reason)
            raise
        log.debug("toot %d for %s: accepted by the server as %s", post.id, account.name, delivered.status_id)
        return delivered

    def _failed(self, post: QueuedPost, account: Account, reason: str) -> None:
        posts.mark_failed(self.sessions, post.id, reason)
        self.counts.failed += 1
        log.error("toot %d for %s failed: %s; `watchbot retry --account %s` queues it again", post.id,
                  account.name, reason, account.name)

    def _posted(self, post: QueuedPost, delivered: Delivered, *, found: bool) -> None:
        posts.mark_posted(self.sessions, post.id, delivered.status_id, delivered.url)
        if found:
            self.counts.found += 1
            log.info("toot %d was already posted by an interrupted run: %s", post.id, delivered.url or
                     delivered.status_id)
        else:
            self.counts.sent += 1
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
        return self._render(act, self._known(act.categories), DRY_RUN_LIMIT), None

    def _toot(self, post: QueuedPost, account: Account, limit: Limit) -> tuple[str, str | None]:
        """The queued toot's text and content warning, for this account."""
        categories = self._known(post.categories)
        spoiler = content_warning(categories, account.content_warnings)
        return self._render(post.act, categories, limit, spoiler), spoiler

    def _render(self, stored: StoredAct, categories: Sequence[Category], limit: Limit,
                spoiler: str | None = None) -> str:
        return render(stored, categories, self.sources, self.ruleset.vocabulary.labels(), limit, spoiler,
                      self.poor_quality_below)

    @staticmethod
    def _marker(stored: StoredAct) -> list[str]:
        """What the toot of this act contains for sure: its page link and its reference."""
        marker = [page_link(stored.raa_url, stored.act.first_page)]
        return marker + [f"Acte n° {stored.act.ref}"] if stored.act.ref else marker


def _warn_if_readable(account: Account) -> None:
    """Once per run and account: a token file other users can read (its content is never shown)."""
    path = Path(account.access_token_file) if account.access_token_file and not account.access_token_env else None
    if path and path.exists() and path.stat().st_mode & 0o077:
        log.warning("account %s: the token file %s can be read by other users (mode %o): `chmod 600 %s`",
                    account.name, path, path.stat().st_mode & 0o777, path)


def render(stored: StoredAct, categories: Sequence[Category], sources: Mapping[str, Source],
           labels: Mapping[str, str], limit: Limit, spoiler: str | None = None,
           poor_quality_below: float = ExtractSettings.poor_quality_below) -> str:
    """The toot of a stored act for `categories` (the toots, the dry run and the feeds alike), its facts named
    by `labels` (the vocabulary's); an excerpt from a page whose OCR quality is under `poor_quality_below` is
    said to be uncertain."""
    source = sources.get(stored.source_code)
    names = {category.name for category in categories}
    item = TootInput(
        source_name=source.name if source else stored.source_code,
        department=source.department if source else None,
        document_title=stored.raa_title,
        document_url=stored.raa_url,
        published=stored.published,
        act=stored.act,
        matches=tuple(match for match in stored.matches if match.category in names),
        poor_pages=frozenset(number for number, quality in stored.qualities if quality < poor_quality_below),
        facts=stored.facts,
        labels=labels,
    )
    return compose(item, categories, limit.characters, spoiler_text=spoiler or "", url_length=limit.url_length)
