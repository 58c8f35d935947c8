"""The archive in a browser: Datasette over the SQLite database, read-only, in French.

Datasette opens the file with mode=ro, so browsing never writes. Its searches use watchbot's own
query language: the SQL function watchbot_match(query) writes a query as FTS5 MATCH text.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm

from watchbot.match.rules import Ruleset
from watchbot.store.query import fts5, parse
from watchbot.store.search import MARK, SNIPPET_WORDS

Asgi = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]

# The map's background (datasette-cluster-map's tile_layer), OpenStreetMap's unless `browse --tiles` says otherwise.
TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
# datasette-vega's chart of the query actes_par_mois as its page's fragment says it, read when the page loads
# (hence a link with a query string of its own).
MONTHLY_CHART = ("g.mark=bar&g.x_column=Mois&g.x_type=ordinal&g.y_column=Actes&g.y_type=quantitative"
                 "&g.color_column=Cat%C3%A9gorie")
CATEGORIES = "(SELECT group_concat(DISTINCT category) FROM matches WHERE matches.act_id = acts.id)"
LINK = "documents.url || '#page=' || coalesce({page}, 1)"
FACET_VALUES = """(SELECT group_concat(value, ', ') FROM (SELECT value FROM act_facets
        WHERE act_facets.act_id = acts.id AND facet = '{facet}' ORDER BY position))"""
COMMUNES = """(SELECT group_concat(label, ', ') FROM (SELECT name || ' (' || department || ')' AS label
        FROM act_communes WHERE act_communes.act_id = acts.id ORDER BY position))"""
FACTS = f"""acts.kind AS "Type", acts.period_start AS "Du", acts.period_end AS "Au", {COMMUNES} AS "Communes",
    {FACET_VALUES.format(facet="purpose")} AS "Finalités",
    {FACET_VALUES.format(facet="operator")} AS "Opérateurs",
    acts.cameras AS "Caméras\""""
ALERTS = f"""SELECT documents.published AS "Date du RAA", sources.name AS "Préfecture",
    {CATEGORIES} AS "Catégories", acts.ref AS "Acte", acts.title AS "Titre", {FACTS}, documents.title AS "RAA",
    {LINK.format(page="acts.first_page")} AS "Lien"
FROM acts JOIN documents ON documents.id = acts.document_id JOIN sources ON sources.code = documents.source_code
WHERE acts.id IN (SELECT act_id FROM matches {{matches}}) {{sources}}
ORDER BY documents.published DESC, acts.id DESC LIMIT 200"""
QUERIES = {
    "alertes": {
        "title": "Dernières alertes",
        "description": "Les derniers actes reconnus par les règles (drones, vidéoprotection, périmètres…), "
                       "du plus récent au plus ancien.",
        "sql": ALERTS.format(matches="", sources=""),
    },
    "alertes_par_categorie": {
        "title": "Alertes par catégorie et par préfecture",
        "description": "Préfecture : son code (pref83) ou un mot de son nom. Laisser vide pour tout voir. "
                       "Catégorie, l'une de celles des règles : {categories}",
        "sql": ALERTS.format(matches="WHERE (:categorie = '' OR category = :categorie)",
                             sources="AND (:prefecture = '' OR sources.code = :prefecture "
                                     "OR sources.name LIKE '%' || :prefecture || '%')"),
    },
    "actes_du_raa": {
        "title": "Actes d'un recueil (RAA)",
        "description": "Le numéro du recueil (colonne id de la table des recueils) ou un mot de son titre.",
        "sql": f"""SELECT documents.title AS "RAA", acts.first_page AS "Page", acts.ref AS "Acte",
    acts.title AS "Titre", {CATEGORIES} AS "Catégories", {LINK.format(page="acts.first_page")} AS "Lien"
FROM acts JOIN documents ON documents.id = acts.document_id
WHERE CAST(documents.id AS TEXT) = :raa OR documents.title LIKE '%' || :raa || '%'
ORDER BY documents.id, acts.first_page, acts.id""",
    },
    "actes_par_mois": {
        "title": "Actes par mois et par catégorie",
        "description_html": "Le nombre d'actes reconnus par mois de publication du recueil, par catégorie : "
                            f'<a href="actes_par_mois?graphique=1#{MONTHLY_CHART}">le graphique</a> '
                            "(« Show charting options » pour en faire un autre).",
        "sql": """SELECT substr(documents.published, 1, 7) AS "Mois", matches.category AS "Catégorie",
    count(DISTINCT acts.id) AS "Actes"
FROM matches JOIN acts ON acts.id = matches.act_id JOIN documents ON documents.id = acts.document_id
WHERE documents.published IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""",
    },
    "recherche": {
        "title": "Rechercher dans les actes",
        "description": 'Les mots de tous les actes, sans souci des majuscules ni des accents : drone aéronef* '
                       '(les deux), drone OR aéronef, drone NOT captation, "zone de protection", (a OR b) c.',
        "sql": f"""WITH hits AS (
    SELECT pages.document_id, pages.number, bm25(pages_fts) AS score,
        snippet(pages_fts, 0, '{MARK[0]}', '{MARK[1]}', '…', {SNIPPET_WORDS}) AS snippet
    FROM pages_fts JOIN pages ON pages.rowid = pages_fts.rowid
    WHERE pages_fts MATCH watchbot_match(:q)),
ranked AS (
    SELECT acts.id AS act_id, hits.*,
        row_number() OVER (PARTITION BY acts.id ORDER BY hits.score, hits.number) AS nth
    FROM hits JOIN acts ON acts.document_id = hits.document_id
        AND hits.number BETWEEN acts.first_page AND acts.last_page)
SELECT sources.name AS "Préfecture", acts.ref AS "Acte", acts.title AS "Titre", documents.title AS "RAA",
    documents.published AS "Date du RAA", ranked.number AS "Page", ranked.snippet AS "Extrait",
    {LINK.format(page="ranked.number")} AS "Lien"
FROM ranked JOIN acts ON acts.id = ranked.act_id JOIN documents ON documents.id = acts.document_id
    JOIN sources ON sources.code = documents.source_code
WHERE ranked.nth = 1 ORDER BY ranked.score, acts.id LIMIT 100""",
    },
}
TABLES = {
    "sources": {"title": "Préfectures", "description": "Les sources suivies et l'état de leur dernière visite."},
    "documents": {"title": "Recueils (RAA)", "description": "Chaque recueil des actes administratifs lu.",
                  "label_column": "title"},
    "acts": {"title": "Actes", "description": "Les actes découpés dans les recueils, pages de début et de fin.",
             "label_column": "title"},
    "pages": {"title": "Pages", "description": "Le texte de chaque page (recherche plein texte).",
              "fts_table": "pages_fts", "fts_pk": "rowid", "searchmode": "raw"},
    "matches": {"title": "Correspondances", "description": "Ce que les règles ont reconnu dans chaque acte."},
    "browse_facts": {"title": "Ce que les actes autorisent ou interdisent",
                     "description": "Pour chaque acte reconnu : son type (initial, renouvellement, modification, "
                                    "prorogation, abrogation), sa période, ses communes, ses finalités, ses "
                                    "opérateurs et le nombre de caméras, quand l'acte les dit.",
                     "facets": ["Type", {"array": "Finalités"}, {"array": "Départements"}],
                     "sort_desc": "Date du RAA"},
    "browse_map": {"title": "Carte des communes des actes",
                   "description": "Chaque commune où un acte reconnu s'applique, sur la carte (un clic sur un "
                                  "repère : l'acte). Les facettes et les filtres réduisent les repères.",
                   "facets": [{"array": "Catégories"}, "Type", "Département"], "sort_desc": "Date du RAA",
                   "label_column": "Titre"},
    "act_communes": {"title": "Communes des actes", "description": "Les communes où chaque acte s'applique."},
    "act_facets": {"title": "Finalités, opérateurs et départements des actes",
                   "description": "Une ligne par finalité (purpose), opérateur (operator) ou département d'un acte."},
    "posts": {"title": "Pouets", "description": "La file des pouets, par compte."},
    "runs": {"title": "Passages", "description": "Chaque passage du robot."},
    "http_cache": {"hidden": True},
    "alembic_version": {"hidden": True},
}


def metadata(database: str, ruleset: Ruleset, tiles: str = TILES) -> dict:
    """Datasette's titles and help, in French; the categories' help is the ruleset's own; the map's tiles
    from `tiles`, a Leaflet URL template ({z}/{x}/{y}), the only thing a page may fetch from another host."""
    categories = " ; ".join(f"{name} ({category.label}{' : ' + category.description if category.description else ''})"
                            for name, category in sorted(ruleset.categories.items()))
    queries = {name: {**query, "description": query["description"].format(categories=categories)}
               if "{categories}" in query.get("description", "") else query for name, query in QUERIES.items()}
    return {
        "title": "Archive de watchbot",
        "description": "Les recueils des actes administratifs des préfectures lus par watchbot : actes, pages, "
                       "alertes. Consultation seule.",
        "databases": {database: {"title": "Archive des RAA", "tables": TABLES, "queries": {
            name: {**query, "hide_sql": True} for name, query in queries.items()}}},
        "plugins": {"datasette-cluster-map": {"tile_layer": tiles, "tile_layer_options": {
            "maxZoom": 19, "attribution": TILES_ATTRIBUTION if tiles == TILES else ""}}},
    }


def datasette(path: Path, ruleset: Ruleset, tiles: str = TILES) -> Datasette:
    """A Datasette over the database file `path`, opened read-only, its map drawn on `tiles`."""
    if not pm.is_registered(sys.modules[__name__]):
        pm.register(sys.modules[__name__], name="watchbot")
    return Datasette([str(path)], metadata=metadata(path.stem, ruleset, tiles),
                     settings={"allow_download": False, "suggest_facets": False, "sql_time_limit_ms": 5000})


def local_only(app: Asgi, port: int) -> Asgi:
    """The app answering only requests addressed to 127.0.0.1:port or localhost:port: a web page whose own
    host name is made to resolve to 127.0.0.1 (DNS rebinding) cannot read the archive through the browser."""
    allowed = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}

    async def guarded(scope: dict, receive: Any, send: Any) -> None:
        host = dict(scope.get("headers", [])).get(b"host", b"").lower()
        if scope["type"] == "lifespan" or host in allowed:
            await app(scope, receive, send)
        elif scope["type"] == "http":
            await send({"type": "http.response.start", "status": 421,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body",
                        "body": f"Misdirected request: the archive is at http://127.0.0.1:{port}/\n".encode()})
        else:
            await send({"type": "websocket.close", "code": 1008})

    return guarded


@hookimpl
def prepare_connection(conn) -> None:
    conn.create_function("watchbot_match", 1, lambda query: fts5(parse(query)), deterministic=True)
