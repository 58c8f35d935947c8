"""What the tests and the benchmarks share: real servers on 127.0.0.1 (prefecture sites, Mastodon,
PostgreSQL), the files they serve and the corpus they read."""
