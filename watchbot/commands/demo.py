"""`watchbot demo`: the whole pipeline, offline, on real RAA served from 127.0.0.1.

A local web server serves two prefecture index pages in the real DSFR markup,
linking real RAA PDFs (a Seine-et-Marne special RAA with a police drone
authorisation, an RAA whose CCTV authorisation is only readable after OCR, and
a 218-page Val-de-Marne RAA with nothing to report). The bot runs once in a
temporary state directory and prints the toots it would post.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import threading
from contextlib import contextmanager
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

from watchbot.core.models import Source
from watchbot.core.settings import BUNDLED_RULES, Config, HttpSettings
from watchbot.match import rules
from watchbot.run import pipeline

SITE = Path(__file__).resolve().parents[1] / "demo_data" / "site"
log = logging.getLogger("watchbot")


def register(commands, common) -> None:
    parser = commands.add_parser("demo", parents=[common], help="offline end-to-end run on bundled real RAA")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the demo state in DIR")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    return main(keep=args.keep)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        log.debug("demo server: " + format, *args)


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def demo_sources(base: str) -> tuple[Source, ...]:
    return (
        Source("pref77", "Préfecture de Seine-et-Marne", f"{base}/Publications/Recueils-des-actes-administratifs-RAA/",
               department="77"),
        Source("pref94", "Préfecture du Val-de-Marne",
               f"{base}/Publications-legales/RAA-Recueil-des-actes-administratifs/", department="94"),
    )


def main(keep: Path | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="watchbot-demo-") as temporary, serve(SITE) as base:
        state = keep or Path(temporary)
        sources = demo_sources(base)
        config = Config(state_dir=state, not_before=date(2000, 1, 1), sources=sources,
                        http=HttpSettings(delay_seconds=0, max_retries=1, timeout_seconds=30))
        log.info("demo: serving real RAA on %s; state in %s; reading them (OCR included) takes a minute…",
                 base, state)
        summary = pipeline.run(config, rules.load(BUNDLED_RULES), sources=sources)
        log.info("demo finished: %s", summary.line())
        return summary.exit_code
