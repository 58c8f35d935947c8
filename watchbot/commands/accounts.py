"""`watchbot accounts check`: ask each account's server what the account can do, before any toot."""

from __future__ import annotations

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option
from watchbot.core.errors import ExitCode
from watchbot.publish import accounts


def register(commands, common) -> None:
    parser = commands.add_parser("accounts", parents=[common], help="account tools")
    tools = parser.add_subparsers(dest="accounts_command", metavar="COMMAND")
    check = tools.add_parser("check", parents=[common], help="for each account: server reachable, token valid, "
                             "scopes, bot flag, length limit; exit 1 when one has a problem")
    config_option(check)
    check.add_argument("--set-bot", action="store_true", help="mark the accounts as bots where they are not")
    check.set_defaults(handler=handle_check)


def handle_check(args) -> int:
    config = configuration.load(args.config)
    if not config.accounts:
        raise UsageError(f"{config.path or 'the defaults'}: no account is configured (accounts:)")
    failing = []
    for account in config.accounts:
        report = accounts.check(account, set_bot=args.set_bot, user_agent=config.http.user_agent)
        print(f"account {account.name}:")
        for line in report.lines:
            print(f"  {line}")
        if report.problems:
            failing.append(account.name)
    print(f"{len(config.accounts)} accounts, {len(failing)} with problems"
          + (f": {', '.join(failing)}" if failing else ""))
    return ExitCode.FAILED if failing else ExitCode.OK
