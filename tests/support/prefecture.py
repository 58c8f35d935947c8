"""Build what the pipeline tests need: a prefecture index page in real DSFR markup linking real
RAA, served by the local site server, and a configuration file pointing the bot at it."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote

from tests.support.httpserver import Route, SiteServer

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILES = ROOT / "watchbot" / "demo_data" / "site" / "contenu" / "telechargement"
DRONE_RAA = DEMO_FILES / "1001" / "2001" / "file" / "RAA n°D77-31-01-2024-special.pdf"
NEGATIVE_RAA = DEMO_FILES / "1003" / "2003" / "file" / "RAA n°09 du 20 janvier 2025.pdf"
CHALLENGE_PAGE = ROOT / "tests" / "data" / "pdfs" / "2024_01493_05102024.pdf"
INDEX_PATH = "/Publications/RAA"


@dataclass(frozen=True)
class Document:
    file: Path
    title: str
    published: date | None  # None: the index page gives no date
    name: str | None = None  # served under this file name instead of the file's own

    @property
    def href(self) -> str:
        name = self.name or unquote(self.file.name)  # corpus files keep their URL-encoded names
        return f"/contenu/telechargement/{zlib.crc32(name.encode()) % 10**6}/1/file/{name}"


def serve(server: SiteServer, documents: list[Document]) -> str:
    """Serve an index page listing `documents` (raw hrefs, with spaces and °, as on real sites)."""
    items = []
    for document in documents:
        kind = "text/html" if document.file.read_bytes()[:4] != b"%PDF" else "application/pdf"
        server.route(quote(document.href), Route(body=document.file.read_bytes(), content_type=kind))
        day = f" - {document.published:%d/%m/%Y}" if document.published else ""
        items.append(f'<li><a id= class="fr-link fr-link--download" href="{document.href}">Télécharger '
                     f'{document.title} <span class="fr-link__detail">PDF - 1,00 Mb{day}</span></a></li>')
    server.route(INDEX_PATH, '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>RAA - Les '
                             "services de l'État en Seine-et-Marne</title></head><body><main><div "
                             f'class="fr-downloads-group"><ul>{"".join(items)}</ul></div></main></body></html>')
    return server.url(INDEX_PATH)


def downloads(server: SiteServer, document: Document) -> int:
    return server.count(quote(document.href))


def write_config(directory: Path, index_url: str, mastodon=None, *, extra: str = "",
                 database_url: str | None = None, not_before: str | None = "2000-01-01",
                 extract: str = "{ocr: false}") -> Path:
    """A configuration for one source (pref77) and, with a Mastodon server, two accounts whose
    tokens are read from $TOKEN_SURVEILLANCE and $TOKEN_SILT."""
    directory.mkdir(parents=True, exist_ok=True)
    accounts = "" if mastodon is None else f"""
accounts:
  surveillance:
    api_base_url: {mastodon.base_url}
    access_token_env: TOKEN_SURVEILLANCE
    categories: [drones, vsa, videoprotection]
  silt:
    api_base_url: {mastodon.base_url}
    access_token_env: TOKEN_SILT
    categories: [drones, silt_perimeter]
"""
    path = directory / "watchbot.yaml"
    path.write_text(f"""
state_dir: {directory / 'state'}
database_url: {database_url or f"sqlite:///{directory / 'state' / 'watchbot.db'}"}
{f"not_before: {not_before}" if not_before else ""}
http: {{delay_seconds: 0, max_retries: 1, timeout_seconds: 10}}
extract: {extract}
sources:
  - {{code: pref77, name: Préfecture de Seine-et-Marne, department: "77", index_url: "{index_url}"}}
{accounts}{extra}""", encoding="utf-8")
    return path


def tokens(monkeypatch, mastodon) -> None:
    monkeypatch.setenv("TOKEN_SURVEILLANCE", mastodon.token("surveillance"))
    monkeypatch.setenv("TOKEN_SILT", mastodon.token("silt"))
