"""What an account of the configuration can do, asked of its server before anything is posted.

`check` (the command `watchbot accounts check`) reads the token, asks the server who it belongs to
(verify_credentials), what it may do (the application's scopes when the server says them, else an empty
status, which a server refuses as blank when the token may post and as forbidden when it may not), the
bot flag (set on request) and the length limit. `refused` is the short check a run makes before its crawl.
The token never appears in what is said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import requests

from watchbot.core.settings import Account, ConfigError
from watchbot.publish.post import USER_AGENT, AccountRefused, Poster, PostFailed, RetryLater

NEEDED_SCOPES = ("write:statuses", "read:statuses", "read:accounts")
COVERING = {"write:statuses": "write", "read:statuses": "read", "read:accounts": "read"}
TIMEOUT = 20


@dataclass
class AccountReport:
    """What was found about one account: lines to show, and the problems among them."""

    name: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)

    def problem(self, line: str) -> None:
        self.lines.append(f"PROBLEM: {line}")
        self.problems.append(line)


def check(account: Account, *, set_bot: bool = False, user_agent: str = USER_AGENT) -> AccountReport:
    report = AccountReport(account.name)
    try:
        token = account.token()
    except ConfigError as error:
        report.problem(f"token: {error}")
        return report
    poster = Poster(account.api_base_url, token, timeout=TIMEOUT, user_agent=user_agent)
    try:
        me = poster.me()
    except RetryLater as error:
        report.problem(f"server {account.api_base_url} not reachable or failing: {error.reason}")
        return report
    except (AccountRefused, PostFailed) as error:
        report.say(f"server {account.api_base_url}: reachable")
        report.problem(f"token refused: {error.reason}")
        return report
    report.say(f"server {account.api_base_url}: reachable")
    report.say(f"token: valid, account @{me.get('acct') or me.get('username')}")
    try:
        _scopes(poster, account, token, report)
        _bot(poster, me, set_bot, report)
        limit = poster.limit
    except (RetryLater, AccountRefused, PostFailed) as error:
        report.problem(f"the server failed during the check: {getattr(error, 'reason', error)}")
        return report
    links = f"links count {limit.url_length}" if limit.url_length is not None else "links counted in full"
    report.say(f"length limit: {limit.characters} characters, {links}")
    return report


def _scopes(poster: Poster, account: Account, token: str, report: AccountReport) -> None:
    scopes = poster.app_scopes()
    if scopes is None:
        report.say("scopes: not said by the server; checked with an empty status (refused, nothing posted)")
        may_post = _may_post(account.api_base_url, token)
        if may_post is False:
            report.problem("the token may not post: it needs the scope write:statuses")
        elif may_post is None:
            report.say("scopes: whether the token may post could not be told")
        return
    report.say("scopes: " + " ".join(scopes))
    missing = [scope for scope in NEEDED_SCOPES if scope not in scopes and COVERING[scope] not in scopes]
    if missing:
        report.problem("the token lacks the scopes " + ", ".join(missing) + " (a new token is needed: "
                       "an application with write:statuses, read:statuses and read:accounts)")


def _may_post(base: str, token: str) -> bool | None:
    """True when the server refuses an empty status as blank (the token may post), False when as forbidden."""
    try:
        response = requests.post(f"{base}/api/v1/statuses", data={"status": ""}, timeout=TIMEOUT,
                                 headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT})
    except requests.RequestException:
        return None
    if response.status_code in (400, 422):
        return True
    return False if response.status_code in (401, 403) else None


def _bot(poster: Poster, me: dict, set_bot: bool, report: AccountReport) -> None:
    if me.get("bot"):
        report.say("bot flag: set")
        return
    if not set_bot:
        report.problem("bot flag: not set (run `watchbot accounts check --set-bot`, or tick « This is a bot "
                       "account » in the profile settings)")
        return
    try:
        poster.set_bot()
    except (AccountRefused, PostFailed) as error:
        report.problem(f"bot flag: not set, the server refused it ({error.reason}; it needs the scope "
                       "write:accounts: tick the box in the profile settings instead)")
        return
    report.say("bot flag: set now")


def refused(accounts: Sequence[Account], user_agent: str = USER_AGENT) -> dict[str, str]:
    """The accounts whose token is missing or refused, with why; a server out of reach is not a refusal."""
    found = {}
    for account in accounts:
        try:
            Poster(account.api_base_url, account.token(), timeout=TIMEOUT, user_agent=user_agent).me()
        except ConfigError as error:
            found[account.name] = str(error)
        except AccountRefused as error:
            found[account.name] = f"the server refused the account ({error.reason})"
        except (RetryLater, PostFailed):
            continue
    return found
