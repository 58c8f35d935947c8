"""The fixture sites of tests/data/sites/, one per site shape of SITE-STRUCTURES.md, served on the local
site server (see tests/test_discover_sites.py for what a fixture holds)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.support.httpserver import Route, SiteServer

SITES = Path(__file__).resolve().parents[1] / "data" / "sites"
FIXTURES = sorted(SITES.glob("*.yaml"))


def load_site(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def serve_site(server: SiteServer, pages: dict, etags: bool = False) -> None:
    """Serve a fixture's `pages` (path -> HTML, or a mapping with `file`, `status`, `location`, `headers`,
    `cookie` and `without_cookie`); `etags` gives each page an ETag, for conditional requests."""
    for path, page in pages.items():
        if isinstance(page, str):
            page = {"body": page}
        body = (SITES / page["file"]).read_text(encoding="utf-8") if "file" in page else page.get("body", "")
        server.route(path, Route(body=body, status=page.get("status", 200), location=page.get("location"),
                                 headers=page.get("headers", {}), cookie=page.get("cookie"),
                                 without_cookie=page.get("without_cookie", ""),
                                 etag=f'"{abs(hash(body))}"' if etags else None))
