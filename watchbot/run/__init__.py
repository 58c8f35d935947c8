"""One run of the bot: its steps (crawl, read, publish), what it did (summary), how it stops, and the
reading of acts already stored again with edited rules (reclassify)."""
