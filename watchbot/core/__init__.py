"""The small shared leaves: the stages' dataclasses, settings, clock, text, terminal, URLs and YAML files."""
