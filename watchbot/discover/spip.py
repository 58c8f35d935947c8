"""The regional sites www.prefectures-regions.gouv.fr (SPIP-like, not DSFR).

Paris publishes its RAA there (Île-de-France): a tag page lists one article per year
(`article.news-list-item h2.news-list-title a`), a year article has a table of contents of month
pages (`div.sommaire-content ol li a`, URLs ending in `#titre`), and a month page links each recueil
with `a.link-download`. The generic crawler walks it with these options; the per-site `areas` option
names the region's folder (e.g. "/ile-de-france"), as year articles live outside the tag page's path.
"""

from watchbot.core.models import CrawlOptions

OPTIONS = CrawlOptions(
    navigation="article.news-list-item h2.news-list-title a, div.sommaire-content ol li a, "
               "div.sommaire-content ul li a",
    scope="main",
)
