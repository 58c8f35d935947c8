"""`watchbot worker`: read the documents backfills queue, on any machine sharing the database."""

from __future__ import annotations

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, load_rules
from watchbot.core.errors import ExitCode
from watchbot.queue import EngineUnavailable
from watchbot.queue.worker import STALLED_AFTER, work


def register(commands, common) -> None:
    parser = commands.add_parser("worker", parents=[common], help="read the documents `watchbot backfill` queued "
                                 "(PostgreSQL), until stopped")
    config_option(parser)
    parser.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="documents read at once (default 1; each reading may use a core for OCR)")
    parser.add_argument("--stalled-after", type=float, default=STALLED_AFTER, metavar="S",
                        help=f"seconds without a worker's heartbeat before its job goes back to the queue "
                             f"(default {STALLED_AFTER:g})")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    if args.concurrency < 1 or args.stalled_after <= 0:
        raise UsageError("--concurrency must be 1 or more and --stalled-after positive")
    config = configuration.load(args.config)
    try:
        work(config, load_rules(config.rules_dir), concurrency=args.concurrency, stalled_after=args.stalled_after)
    except EngineUnavailable as error:
        raise UsageError(str(error)) from None
    return ExitCode.OK
