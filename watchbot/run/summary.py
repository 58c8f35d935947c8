"""What a run did, added up step by step: the line logged and recorded, and the exit code."""

from __future__ import annotations

from dataclasses import dataclass, field

from watchbot.core.errors import ExitCode
from watchbot.publish import outbox
from watchbot.store.states import DocumentState


@dataclass
class Summary:
    sources_ok: int = 0
    sources_failed: int = 0
    sources_skipped: int = 0
    documents_new: int = 0
    documents_done: int = 0
    documents_failed: int = 0
    documents_gone: int = 0
    documents_waiting: int = 0
    pages: int = 0
    pages_ocr: int = 0
    acts: int = 0
    matches: int = 0
    posts: outbox.PostCounts = field(default_factory=outbox.PostCounts)
    requests: dict[str, int] = field(default_factory=dict)  # index page requests by source
    interrupted: str | None = None  # the signal that stopped the run
    feeds_failed: bool = False  # the feeds could not be written (a full disk)
    report_failed: bool = False  # the report (report.dir) could not be written

    @property
    def exit_code(self) -> ExitCode:
        failed = (self.sources_failed or self.documents_failed or self.documents_gone or self.documents_waiting
                  or self.posts.failed or self.posts.errors or self.feeds_failed
                  or self.report_failed)
        return ExitCode.FAILED if failed or self.interrupted else ExitCode.OK

    def line(self) -> str:
        stopped = f"interrupted by {self.interrupted}; " if self.interrupted else ""
        gone = f", {self.documents_gone} gone" if self.documents_gone else ""
        skipped = f", {self.sources_skipped} skipped" if self.sources_skipped else ""
        return (f"{stopped}sources {self.sources_ok} ok, {self.sources_failed} failed{skipped}; "
                f"documents {self.documents_new} new, {self.documents_done} processed, "
                f"{self.documents_failed} failed{gone}, {self.documents_waiting} waiting; pages {self.pages} "
                f"({self.pages_ocr} OCRed); acts {self.acts}; matches {self.matches}; {self.posts.line()}; "
                f"{self.requests_line()}{'; feeds not written' if self.feeds_failed else ''}"
                f"{'; report not written' if self.report_failed else ''}")

    def requests_line(self) -> str:
        busiest = sorted(self.requests.items(), key=lambda item: -item[1])[:3]
        return (f"index requests {sum(self.requests.values())}"
                + (f" (most: {', '.join(f'{code} {count}' for code, count in busiest)})" if busiest else ""))

    def add_source(self, code: str, crawled: Crawled) -> None:
        self.requests[code] = crawled.requests
        if crawled.skipped:
            self.sources_skipped += 1
        elif crawled.new is None:
            self.sources_failed += 1
        else:
            self.sources_ok += 1
            self.documents_new += crawled.new

    def add_outcome(self, reading: Outcome) -> None:
        if reading.state == DocumentState.FAILED:
            self.documents_failed += 1
        elif reading.state == DocumentState.GONE:
            self.documents_gone += 1
        elif reading.state == DocumentState.WAITING:
            self.documents_waiting += 1
        else:
            self.documents_done += 1
        self.pages += reading.pages
        self.pages_ocr += reading.pages_ocr
        self.acts += reading.acts
        self.matches += len(reading.hits)


@dataclass(frozen=True)
class Crawled:
    """What crawling one source gave: how many RAA were new (None: the crawl failed), in how many requests."""

    new: int | None
    requests: int
    skipped: bool = False  # the optional browser is missing: neither read nor failed


@dataclass(frozen=True)
class Outcome:
    """What reading one document found; `hits` are the ids of its acts that match."""

    state: DocumentState
    pages: int = 0
    pages_ocr: int = 0
    acts: int = 0
    hits: tuple[int, ...] = ()
