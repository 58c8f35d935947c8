"""The configuration file (README: Configuration): defaults, validation, secrets.

Every unknown key or bad value is reported with its file, line and a hint;
`load` raises ConfigError, which the CLI turns into exit code 2.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import fields, replace
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from watchbot import yamlfile
from watchbot.discover import registry
from watchbot.match import rules
from watchbot.models import Source
from watchbot.settings import (BUNDLED_RULES, VISIBILITIES, Account, Config, ConfigError, CrawlSettings,
                               ExtractSettings, HttpSettings)
from watchbot.urls import is_http_url
from watchbot.yamlfile import Problem

TOP_KEYS = ("state_dir", "database_url", "rules_dir", "not_before", "http", "crawl", "extract",
            "sources", "accounts")
ACCOUNT_KEYS = ("api_base_url", "access_token_env", "access_token_file", "categories", "visibility",
                "max_posts_per_run", "content_warnings")


def locate(explicit: str | None) -> Path | None:
    """--config, else $WATCHBOT_CONFIG, else ./watchbot.yaml if present."""
    if explicit:
        return Path(explicit)
    if os.environ.get("WATCHBOT_CONFIG"):
        return Path(os.environ["WATCHBOT_CONFIG"])
    default = Path("watchbot.yaml")
    return default if default.exists() else None


def load(explicit: str | None = None) -> Config:
    path = locate(explicit)
    if path is None:
        return Config()
    if not path.exists():
        raise ConfigError([Problem(str(path), None, None, "configuration file not found")])
    document = yamlfile.load(path)
    if document.data is None:
        return Config(path=path)
    return _build(document, path)


def _build(doc: yamlfile.Document, path: Path) -> Config:
    data = doc.data
    if not isinstance(data, dict):
        raise ConfigError([doc.problem((), "the configuration must be a mapping of keys to values")])
    problems = doc.unknown_keys((), data, TOP_KEYS)
    base = path.parent
    values: dict[str, Any] = {"path": path}
    if "state_dir" in data:
        values["state_dir"] = _resolve(base, _typed(doc, ("state_dir",), str, problems))
    if "database_url" in data:
        values["database_url"] = _typed(doc, ("database_url",), (str, type(None)), problems)
    if "rules_dir" in data and data["rules_dir"] is not None:
        values["rules_dir"] = _resolve(base, _typed(doc, ("rules_dir",), str, problems))
    if data.get("not_before") is not None:
        values["not_before"] = _typed(doc, ("not_before",), date, problems)
    for key, cls in (("http", HttpSettings), ("crawl", CrawlSettings), ("extract", ExtractSettings)):
        if key in data:
            values[key] = _settings(doc, key, cls, problems)
    if "sources" in data:
        values["sources"] = _sources(doc, problems)
    if "accounts" in data:
        categories = [path.stem for path in rules.rule_files(Path(values.get("rules_dir", BUNDLED_RULES)))]
        values["accounts"] = _accounts(doc, base, categories, problems)
    if problems:
        raise ConfigError(problems)
    return Config(**values)


def _resolve(base: Path, value: Any) -> Any:
    return base / value if isinstance(value, str) else value


def _typed(doc, path, kind, problems: list[Problem]) -> Any:
    value = doc.value(path)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        problems.append(doc.problem(path, f"'{'.'.join(map(str, path))}' must be {names}, not {value!r}"))
        return None
    return value


def _settings(doc, key: str, cls, problems: list[Problem]):
    section = doc.data[key]
    if section is None:
        return cls()
    if not isinstance(section, dict):
        problems.append(doc.problem((key,), f"'{key}' must be a mapping"))
        return cls()
    defaults = cls()
    names = [f.name for f in fields(cls)]
    problems += doc.unknown_keys((key,), section, names)
    changes = {}
    for name in names:
        if name in section:
            value = _typed(doc, (key, name), type(getattr(defaults, name)), problems)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                problems.append(doc.problem((key, name), f"'{key}.{name}' must not be negative"))
            elif value is not None:
                changes[name] = value
    return replace(defaults, **changes)


def _sources(doc, problems: list[Problem]) -> tuple[Source, ...] | None:
    value = doc.data["sources"]
    if value == "all" or value is None:
        return None
    if not isinstance(value, list):
        problems.append(doc.problem(("sources",), "'sources' must be 'all' or a list"))
        return None
    bundled = {source.code: source for source in registry.bundled()}
    result = []
    for index, item in enumerate(value):
        path = ("sources", index)
        if isinstance(item, str):
            if item in bundled:
                result.append(bundled[item])
            else:
                problems.append(doc.problem(path, f"unknown source '{item}'", registry.suggest(item, bundled)))
            continue
        source = registry.from_entry(doc, path, item, problems, registry.SOURCE_KEYS, bundled)
        if source is not None:
            result.append(source)
    return tuple(result)


def _accounts(doc, base: Path, known: Sequence[str], problems: list[Problem]) -> tuple[Account, ...]:
    """The accounts; `known` are the categories the rule files define (none: the rules' own check says why)."""
    value = doc.data["accounts"]
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.append(doc.problem(("accounts",), "'accounts' must map account names to settings"))
        return ()
    accounts = []
    for name, item in value.items():
        path = ("accounts", name)
        if not isinstance(item, dict):
            problems.append(doc.problem(path, f"account '{name}' must be a mapping"))
            continue
        problems += doc.unknown_keys(path, item, ACCOUNT_KEYS)
        if not item.get("api_base_url"):
            problems.append(doc.problem(path, f"account '{name}' needs api_base_url"))
        elif not is_http_url(str(item["api_base_url"])):
            problems.append(doc.problem((*path, "api_base_url"), f"account '{name}': '{item['api_base_url']}' "
                                        "is not an http(s) URL with a host"))
        if bool(item.get("access_token_env")) == bool(item.get("access_token_file")):
            problems.append(doc.problem(path, f"account '{name}' needs exactly one of access_token_env "
                                              "and access_token_file"))
        categories = item.get("categories")
        if not isinstance(categories, list) or not categories or not all(isinstance(c, str) for c in categories):
            problems.append(doc.problem((*path, "categories"), f"account '{name}' needs a list of categories"))
            categories = []
        if known:
            problems += _unknown_categories(doc, (*path, "categories"), categories, known)
        visibility = item.get("visibility", "unlisted")
        if visibility not in VISIBILITIES:
            problems.append(doc.problem((*path, "visibility"), f"visibility must be one of {', '.join(VISIBILITIES)}"))
        limit = item.get("max_posts_per_run", 20)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            problems.append(doc.problem((*path, "max_posts_per_run"), "max_posts_per_run must be a whole number"))
            limit = 0
        warnings = item.get("content_warnings") or {}
        if not isinstance(warnings, dict):
            problems.append(doc.problem((*path, "content_warnings"), "content_warnings maps a category to a text"))
            warnings = {}
        elif known:
            problems += _unknown_categories(doc, (*path, "content_warnings"), list(warnings), known)
        token_file = item.get("access_token_file")
        if token_file:
            token_file = _resolve(base, str(token_file))
            problems += _unreadable(doc, (*path, "access_token_file"), token_file)
        accounts.append(Account(
            name=str(name),
            api_base_url=str(item.get("api_base_url", "")).rstrip("/"),
            categories=tuple(categories),
            access_token_env=item.get("access_token_env"),
            access_token_file=str(token_file) if token_file else None,
            visibility=visibility,
            max_posts_per_run=limit,
            content_warnings={str(k): str(v) for k, v in warnings.items()},
        ))
    return tuple(accounts)


def _unknown_categories(doc, path, names: Sequence[Any], known: Sequence[str]) -> list[Problem]:
    """A problem for each name that no rule file defines, at its place in the list or as a key of the mapping."""
    problems = []
    for index, name in enumerate(names):
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "categories: " + ", ".join(sorted(known))
            where = (*path, index) if path[-1] == "categories" else (*path, name)
            problems.append(doc.problem(where, f"no rule file defines the category '{name}'", hint))
    return problems


def _unreadable(doc, path, file: Path) -> list[Problem]:
    try:
        file.read_bytes()
    except OSError as error:
        return [doc.problem(path, f"cannot read token file {file}: {error.strerror}")]
    return []
