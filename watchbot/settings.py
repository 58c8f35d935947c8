"""The settings every stage reads: plain frozen dataclasses with their defaults (README: Configuration).

Their fields and types declare the keys of the configuration file: `watchbot.config` reads and checks
the file against them; nothing here reads a file but a token.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from watchbot.models import Source
from watchbot.yamlfile import Problem, YamlError

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_RULES = PACKAGE_DIR / "bundled_rules"


class ConfigError(YamlError):
    pass


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = "watchbot/0.1 (+https://github.com/watchbot/watchbot; bot de veille des RAA)"
    delay_seconds: float = 5.0
    timeout_seconds: float = 60.0
    max_retries: int = 4
    max_pdf_bytes: int = 200 * 1024 * 1024
    max_html_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True)
class CrawlSettings:
    lookback_months: int = 1  # the current month and this many before it
    max_index_pages: int = 200  # per source and run


@dataclass(frozen=True)
class ExtractSettings:
    ocr: bool = True
    ocr_language: str = "fra"
    ocr_jobs: int = 0  # 0 = one per core
    ocr_page_timeout_seconds: float = 180.0
    ocr_document_timeout_seconds: float = 1800.0
    max_pages: int = 2000
    max_attempts: int = 5  # a failing document is retried on this many runs


@dataclass(frozen=True)
class FeedSettings:
    dir: Path | None = None  # default: <state_dir>/feeds
    base_url: str = ""  # where dir is served, e.g. https://example.org/feeds/ (self links and entry ids)
    max_entries: int = 50


@dataclass(frozen=True)
class Account:
    name: str
    api_base_url: str
    categories: tuple[str, ...]
    access_token_env: str | None = None
    access_token_file: Path | None = None
    visibility: Literal["public", "unlisted", "private"] = "unlisted"
    max_posts_per_run: int = 20
    content_warnings: dict[str, str] = field(default_factory=dict)

    def token(self) -> str:
        """The access token, read only when posting; never stored or logged."""
        if self.access_token_env:
            value = os.environ.get(self.access_token_env, "")
            if not value:
                raise ConfigError([Problem("environment", None, None,
                                           f"account '{self.name}': ${self.access_token_env} is empty or unset")])
            return value.strip()
        if self.access_token_file:
            try:
                return Path(self.access_token_file).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise ConfigError([Problem(str(self.access_token_file), None, None,
                                           f"account '{self.name}': cannot read token file: {error.strerror}")]) from None
        raise ConfigError([Problem("config", None, None, f"account '{self.name}' has no token")])


@dataclass(frozen=True)
class Config:
    state_dir: Path = Path("state")
    database_url: str | None = None
    rules_dir: Path = BUNDLED_RULES
    not_before: date | None = None
    http: HttpSettings = HttpSettings()
    crawl: CrawlSettings = CrawlSettings()
    extract: ExtractSettings = ExtractSettings()
    feeds: FeedSettings = FeedSettings()
    sources: tuple[Source, ...] | None = None  # None = all bundled sources
    accounts: tuple[Account, ...] = ()
    path: Path | None = None

    @property
    def feeds_dir(self) -> Path:
        return self.feeds.dir or self.state_dir / "feeds"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'watchbot.db'}"
