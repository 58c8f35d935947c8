"""The report (SPEC §10, docs/REPORT.md): a static site of counts, charts, a map and the export files.

figures: the numbers, through watchbot.store.stats; charts: the SVG charts and map (matplotlib); downloads: the
export files; site: the pages (Jinja2 templates in templates/) and the writing of it all.
"""
