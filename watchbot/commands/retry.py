"""`watchbot retry`: put failed toots (or toots left `sending`) back in the queue for the next run."""

from __future__ import annotations

from datetime import date

from watchbot import config as configuration
from watchbot.core.errors import ExitCode
from watchbot.commands import UsageError, config_option
from watchbot.store import open_database, posts
from watchbot.store.states import PostState
from watchbot.store.lock import run_lock


def register(commands, common) -> None:
    parser = commands.add_parser("retry", parents=[common], help="queue failed toots again (never a posted one); "
                                 "the next `watchbot run` posts them")
    config_option(parser)
    parser.add_argument("--account", metavar="A", help="only this account's toots (default: every account)")
    parser.add_argument("--failed", action="store_true", help="the toots the server refused (the default)")
    parser.add_argument("--sending", action="store_true",
                        help="the toots an interrupted run left `sending` that wait for a human decision: "
                             "send them again (check first that the account does not show them)")
    parser.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="only toots queued on or after this date")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    if args.account and args.account not in {account.name for account in config.accounts}:
        raise UsageError(f"no account {args.account!r} in the configuration")
    states = [PostState.FAILED] * (args.failed or not args.sending) + [PostState.SENDING] * args.sending
    with run_lock(config.state_dir, config.db_url):
        rows = posts.requeue(open_database(config.db_url), states=states, account=args.account, since=args.since)
    for row in rows:
        print(f"#{row.id} {row.account}: queued again (last error: {row.last_error or 'none'})")
    kinds = " or ".join(states)
    print(f"{len(rows)} toot(s) queued again; the next `watchbot run` posts them" if rows
          else f"no {kinds} toot to queue again")
    return ExitCode.OK
