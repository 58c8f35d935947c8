"""`watchbot browse`: the archive in a web browser (Datasette), read-only."""

from __future__ import annotations

from watchbot import config as configuration
from watchbot.commands import UsageError, config_option, load_rules
from watchbot.core.errors import ExitCode
from watchbot.store import backend, connect, migrate, sqlite_file


def register(commands, common) -> None:
    parser = commands.add_parser("browse", parents=[common], help="browse and search the archive in a web browser "
                                 "(Datasette, read-only; needs the 'browse' extra)")
    config_option(parser)
    parser.add_argument("--port", type=int, default=8001, metavar="N", help="serve on 127.0.0.1:N (default: 8001)")
    parser.add_argument("--tiles", metavar="URL", help="the map's tiles, a URL template with {z}, {x} and {y} "
                        "(default: OpenStreetMap's, https://tile.openstreetmap.org/{z}/{x}/{y}.png)")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    config = configuration.load(args.config)
    path = sqlite_file(config.db_url)
    if path is None:
        raise UsageError("browse opens a SQLite database file; this configuration uses "
                         f"{backend(config.db_url)} (PostgreSQL has its own tools, e.g. pgweb or psql)")
    try:
        import uvicorn

        from watchbot.commands.archive import TILES, datasette, local_only
    except ImportError as error:
        raise UsageError(f"browse needs Datasette: pip install 'watchbot[browse]' ({error})") from None
    if args.tiles and not all(part in args.tiles for part in ("{z}", "{x}", "{y}")):
        raise UsageError(f"--tiles {args.tiles}: a URL template with {{z}}, {{x}} and {{y}}, e.g. "
                         "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    if not path.exists():
        raise UsageError(f"no database at {path}: run watchbot first")
    ruleset = load_rules(config.rules_dir)
    migrate(connect(config.db_url))  # the search index of an older database
    print(f"watchbot: the archive is at http://127.0.0.1:{args.port}/ (Ctrl-C to stop)", flush=True)
    app = datasette(path, ruleset, args.tiles or TILES).app()
    uvicorn.run(local_only(app, args.port), host="127.0.0.1", port=args.port, log_level="warning")
    return ExitCode.OK
