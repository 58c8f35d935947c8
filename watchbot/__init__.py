"""watchbot: watch French prefectures' RAA for surveillance decrees and toot them."""

__version__ = "0.1.0"
