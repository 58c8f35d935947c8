"""Requests and wall time of a national idle run (every bundled source, nothing new) at the default pacing.

Each bundled source is crawled on the fixture site of its shape (`tested` in sources.yaml; the two
sources without one use `year-flat`), all served on 127.0.0.1 as the real sites share one address.
A first run reads the window back to the default first-run week and fills the conditional-request
cache and the crawl progress; the second, idle run is measured: requests per source and the time the
pacing makes it last (a fake clock: the local server's own answer time is left out).

    .venv/bin/python -m benchmarks.bench_idle_run
"""

from __future__ import annotations

import sys
from datetime import timedelta

from tests.support.httpserver import DictCache, SiteServer
from tests.support.sites import FIXTURES, load_site, serve_site
from watchbot.core.settings import HttpSettings
from watchbot.discover import Progress, allowed_origins, crawl, registry
from watchbot.discover import source as build_source
from watchbot.fetch import Fetcher

FALLBACK = "year-flat"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def fixture_of(code: str) -> str:
    names = {path.stem for path in FIXTURES}
    return next((name for name in registry.notes()[code]["tested"].split(", ") if name in names), FALLBACK)


def main() -> int:
    servers: dict[str, SiteServer] = {}
    specs = {path.stem: load_site(path) for path in FIXTURES}
    clock = Clock()
    settings = HttpSettings()
    plan = []
    for source in registry.bundled():
        name = fixture_of(source.code)
        if name not in servers:
            servers[name] = SiteServer().start()
            serve_site(servers[name], specs[name]["pages"], etags=True)
        spec = specs[name]
        run = spec["runs"][0]
        site = build_source(source.code, source.name, servers[name].url(run.get("index", spec["index"])),
                            strategy=run.get("strategy", spec.get("strategy", "dsfr")),
                            options=run.get("options", spec.get("options", {})))
        plan.append((site, run["today"], Progress(), name))
    fetcher = Fetcher(settings, allowed_origins(site for site, *_ in plan), cache=DictCache(), sleep=clock.sleep,
                      clock=clock)
    try:
        for label in ("first run", "idle run"):
            start, counts = clock.now, []
            for site, today, progress, name in plan:
                before = fetcher.requests
                crawl(site, fetcher, today=today, since=today - timedelta(days=7), progress=progress)
                counts.append((site.code, name, fetcher.requests - before))
            elapsed = clock.now - start
            total = sum(count for _, _, count in counts)
            print(f"{label}: {len(counts)} sources, {total} requests, {elapsed / 60:.1f} min at "
                  f"{settings.delay_seconds:g} s per request on one address")
        for code, name, count in counts:
            print(f"  {code:24} {name:22} {count}")
    finally:
        for server in servers.values():
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
