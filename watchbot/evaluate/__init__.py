"""How well watchbot reads labelled acts: `measure` scores a ruleset's categories, `facts` the facts read
(SPEC §9), `results` keeps the published figures."""
