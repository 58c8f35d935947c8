"""The settings every stage reads: plain frozen dataclasses with their defaults (README: Configuration).

Their fields and types declare the keys of the configuration file: `watchbot.config` reads and checks
the file against them; nothing here reads a file but a token.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Collection, Literal, Sequence

from watchbot.core.models import Source
from watchbot.core.yamlfile import Problem, YamlError

PACKAGE_DIR = Path(__file__).resolve().parents[1]
BUNDLED_RULES = PACKAGE_DIR / "bundled_rules"


class ConfigError(YamlError):
    """The configuration cannot be used; the message lists its problems."""


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = "watchbot/0.1 (+https://github.com/watchbot/watchbot; bot de veille des RAA)"
    delay_seconds: float = 5.0
    timeout_seconds: float = 60.0  # per read
    request_deadline_seconds: float = 600.0  # per request, headers and body, retries included
    max_retries: int = 4
    max_pdf_bytes: int = 200 * 1024 * 1024
    max_html_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True)
class CrawlSettings:
    lookback_months: int = 1  # the current month and this many before it
    max_index_pages: int = 200  # per source and run
    max_links_per_page: int = 2000  # links read on one index page; the rest are left out with a warning
    source_deadline_seconds: float = 1800.0  # the crawl of one source


@dataclass(frozen=True)
class ExtractSettings:
    ocr: bool = True
    ocr_language: str = "fra"
    ocr_jobs: int = 0  # 0 = one per core
    ocr_page_timeout_seconds: float = 180.0
    ocr_document_timeout_seconds: float = 1800.0
    poor_quality_below: float = 0.7  # OCRed pages under this mean word confidence (0 to 1) are "read poorly"
    max_pages: int = 2000
    max_attempts: int = 5  # a document failing by its own fault is retried on this many runs
    retry_days: int = 30  # a document failing for passing reasons (server, network, disk) is retried this long
    max_memory_mb: int = 320  # address space the reader (reading, splitting, classifying) may add to its parent's
    max_page_characters: int = 200_000  # text kept per page
    max_document_characters: int = 5_000_000  # text kept per document


@dataclass(frozen=True)
class FeedSettings:
    dir: Path | None = None  # default: <state_dir>/feeds
    base_url: str = ""  # where dir is served, e.g. https://example.org/feeds/ (self links and entry ids)
    max_entries: int = 50


@dataclass(frozen=True)
class ReportSettings:
    dir: Path | None = None  # none: no report after a run (watchbot report --out DIR writes one)
    base_url: str = ""  # where dir is served, e.g. https://example.org/rapport/ (the pages' canonical links)


@dataclass(frozen=True)
class Account:
    name: str
    api_base_url: str
    categories: tuple[str, ...]  # `categories: all` in the file: every category of the rules
    departments: tuple[str, ...] = ()  # only the acts of these départements; none: every one
    sources: tuple[str, ...] = ()  # only the acts of these sources (codes); none: every one
    skip_kinds: tuple[str, ...] = ()  # never the acts of these kinds (models.KINDS), e.g. repeal
    access_token_env: str | None = None
    access_token_file: Path | None = None
    visibility: Literal["public", "unlisted", "private"] = "unlisted"
    max_posts_per_run: int = 20
    content_warnings: dict[str, str] = field(default_factory=dict)

    def follows(self, categories: Sequence[str], source: str, departments: Collection[str], kind: str) -> list[str]:
        """Which of an act's categories this account toots: none when the act's source, départements (its
        source's and its communes') or kind are not the account's."""
        if (self.sources and source not in self.sources or kind in self.skip_kinds
                or self.departments and not set(self.departments) & set(departments)):
            return []
        return [category for category in categories if category in self.categories]

    def token(self) -> str:
        """The access token, read only when posting; never stored or logged."""
        if self.access_token_env:
            value = os.environ.get(self.access_token_env, "")
            if not value:
                raise ConfigError([Problem("environment", None, None,
                                           f"account '{self.name}': ${self.access_token_env} is empty or unset")])
            return value.strip()
        if self.access_token_file:
            return self._token_from_file(Path(self.access_token_file))
        raise ConfigError([Problem("config", None, None, f"account '{self.name}' has no token")])

    def _token_from_file(self, path: Path) -> str:
        """The token alone on the file's first line; anything else is an error that never shows the content."""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            why = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
            raise ConfigError([Problem(str(path), None, None,
                                       f"account '{self.name}': cannot read token file: {why}")]) from None
        token = lines[0].strip() if lines else ""
        if not token or len(token.split()) > 1 or any(line.strip() for line in lines[1:]):
            raise ConfigError([Problem(str(path), None, None, f"account '{self.name}': the token file must hold "
                                       "the access token alone, on its first line", "its content is not shown")])
        return token


@dataclass(frozen=True)
class Config:
    state_dir: Path = Path("state")
    database_url: str | None = None
    rules_dir: Path = BUNDLED_RULES
    not_before: date | None = None
    run_deadline_seconds: float = 3 * 3600.0  # discovery and reading stop then; the run posts and ends
    http: HttpSettings = HttpSettings()
    crawl: CrawlSettings = CrawlSettings()
    extract: ExtractSettings = ExtractSettings()
    feeds: FeedSettings = FeedSettings()
    report: ReportSettings = ReportSettings()
    sources: tuple[Source, ...] | None = None  # None = all bundled sources
    accounts: tuple[Account, ...] = ()
    path: Path | None = None

    @property
    def feeds_dir(self) -> Path:
        return self.feeds.dir or self.state_dir / "feeds"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'watchbot.db'}"
