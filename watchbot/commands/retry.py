"""`watchbot retry`: put failed toots (or toots left `sending`) back in the queue for the next run."""

from __future__ import annotations

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, iso_date
from watchbot.core.errors import ExitCode
from watchbot.store import open_database, posts
from watchbot.store.lock import run_lock
from watchbot.store.states import PostState


def register(commands, common) -> None:
    parser = commands.add_parser("retry", parents=[common], help="queue failed toots again (never a posted one); "
                                 "the next `watchbot run` posts them")
    config_option(parser)
    parser.add_argument("--account", metavar="A", help="only this account's toots (default: every account)")
    parser.add_argument("--failed", action="store_true", help="the toots the server refused (the default)")
    parser.add_argument("--sending", action="store_true",
                        help="the toots an interrupted run left `sending` that wait for a human decision: "
                             "send them again (check first that the account does not show them)")
    parser.add_argument("--mark-posted", type=int, metavar="ID", action="append", default=[],
                        help="record toot ID (as `status` lists it) as posted: a toot left `sending` that you "
                             "found on the account (repeatable)")
    parser.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD",
                        help="only toots queued on or after this date")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    if args.account and args.account not in {account.name for account in config.accounts}:
        raise UsageError(f"no account {args.account!r} in the configuration")
    if args.mark_posted:
        return _mark_posted(config, args.mark_posted)
    states = [PostState.FAILED] * (args.failed or not args.sending) + [PostState.SENDING] * args.sending
    with run_lock(config.state_dir, config.db_url):
        rows = posts.requeue(open_database(config.db_url), states=states, account=args.account, since=args.since)
    for row in rows:
        print(f"#{row.id} {row.account}: queued again (last error: {row.last_error or 'none'})")
    kinds = " or ".join(states)
    print(f"{len(rows)} toot(s) queued again; the next `watchbot run` posts them" if rows
          else f"no {kinds} toot to queue again")
    return ExitCode.OK


def _mark_posted(config, post_ids: list[int]) -> int:
    """Toots a person confirmed on the account, recorded as posted; any other toot is refused."""
    refused = []
    with run_lock(config.state_dir, config.db_url):
        sessions = open_database(config.db_url)
        for post_id in post_ids:
            try:
                row = posts.confirm_posted(sessions, post_id)
            except LookupError as error:
                refused.append(str(error))
                continue
            print(f"#{row.id} {row.account}: recorded as posted")
    if refused:
        raise UsageError("; ".join(refused))
    return ExitCode.OK
