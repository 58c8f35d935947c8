"""`watchbot demo`: the whole pipeline, offline, on bundled real RAA."""

from __future__ import annotations

from pathlib import Path

from watchbot import demo


def register(commands, common) -> None:
    parser = commands.add_parser("demo", parents=[common], help="offline end-to-end run on bundled real RAA")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the demo state in DIR")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    return demo.main(keep=args.keep)
