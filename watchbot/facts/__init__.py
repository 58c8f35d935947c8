"""The facts of an act: what it authorises or bans, where, when, why, by whom."""
