"""How well a ruleset does on labelled acts: `measure` scores it, `results` keeps the published figures."""
