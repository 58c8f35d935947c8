"""Publish: toots composed from matched acts, the outbox, and posting to Mastodon-API servers."""
