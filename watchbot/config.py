"""The configuration file (README: Configuration): read, typed and checked, every problem with its place.

One mechanism declares the keys: the fields of the settings dataclasses (`watchbot.core.settings`) with their
types and defaults. `_fields` reads a mapping against one of them: unknown keys (with the nearest valid
one), types (text, numbers, yes/no, dates, paths, lists of texts, maps of texts, a Literal's choices),
negative numbers; a null value keeps the default. The values are then checked against each other, the
rules and the disk (`_account`). `load` raises ConfigError, which the CLI turns into exit code 2.
"""

from __future__ import annotations

import difflib
import os
import types
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal, Mapping, NamedTuple, Sequence, Union, get_args, get_origin, get_type_hints

from watchbot.core import yamlfile
from watchbot.core.departments import DEPARTMENTS
from watchbot.core.models import KINDS, Source
from watchbot.core.settings import (
    BUNDLED_RULES,
    Account,
    Config,
    ConfigError,
    CrawlSettings,
    ExtractSettings,
    FeedSettings,
    HttpSettings,
    ReportSettings,
)
from watchbot.core.urls import is_http_url
from watchbot.core.yamlfile import Problem
from watchbot.discover import registry
from watchbot.match import rules

SECTIONS = {"http": HttpSettings, "crawl": CrawlSettings, "extract": ExtractSettings, "feeds": FeedSettings,
            "report": ReportSettings}
READ_APART = ("sources", "accounts", *SECTIONS)  # Config fields that are not plain values
NOT_KEYS = ("path", "name")  # Config.path and Account.name are not written as keys
ACCOUNT_APART = ("categories", "departments")  # `all`; codes that YAML reads as numbers
INVALID = object()


class Known(NamedTuple):
    """What an account may name: the categories the rule files define (none: the rules' own check says why)
    and the sources read, by code."""

    categories: Sequence[str]
    sources: Mapping[str, Source]
    tokens: bool = True  # token files checked (not for a dry run)


def locate(explicit: str | None) -> Path | None:
    """--config, else $WATCHBOT_CONFIG, else ./watchbot.yaml if present."""
    if explicit:
        return Path(explicit)
    if os.environ.get("WATCHBOT_CONFIG"):
        return Path(os.environ["WATCHBOT_CONFIG"])
    default = Path("watchbot.yaml")
    return default if default.exists() else None


def load(explicit: str | None = None, *, tokens: bool = True, required: bool = False) -> Config:
    """The configuration; `tokens`: token files must be readable; `required`: a file must be found."""
    path = locate(explicit)
    if path is None and required:
        looked = Path("watchbot.yaml").absolute()
        raise ConfigError([Problem("configuration", None, None, f"no configuration file found (no --config, "
                                   f"$WATCHBOT_CONFIG unset, no {looked}): nothing done")])
    if path is None:
        return Config()
    if not path.exists():
        raise ConfigError([Problem(str(path), None, None, "configuration file not found")])
    document = yamlfile.load(path)
    if document.data is None:
        return Config(path=path)
    return _build(document, path, tokens)


def _build(doc: yamlfile.Document, path: Path, tokens: bool = True) -> Config:
    if not isinstance(doc.data, dict):
        raise ConfigError([doc.problem((), "the configuration must be a mapping of keys to values")])
    problems: list[Problem] = []
    base = path.parent
    values = _fields(doc, (), Config, problems, base, read_apart=READ_APART)
    if values.get("run_deadline_seconds") == 0:  # a run that may not even start
        problems.append(doc.problem(("run_deadline_seconds",), "'run_deadline_seconds' must be positive"))
    for key, cls in SECTIONS.items():
        values[key] = cls(**_fields(doc, (key,), cls, problems, base))
    if values["report"].base_url and not is_http_url(values["report"].base_url):
        problems.append(doc.problem(("report", "base_url"), "'report.base_url' must be an http(s) URL with a host"))
    if "sources" in doc.data:
        values["sources"] = _sources(doc, problems)
    if doc.data.get("accounts") is not None:
        categories = [file.stem for file in rules.rule_files(values.get("rules_dir", BUNDLED_RULES))]
        sources = {source.code: source for source in values.get("sources") or registry.bundled()}
        values["accounts"] = _accounts(doc, base, Known(categories, sources, tokens), problems)
    if problems:
        raise ConfigError(problems)
    return Config(path=path, **values)


def _fields(doc: yamlfile.Document, path: yamlfile.Path_, cls: type, problems: list[Problem], base: Path, *,
            read_apart: Sequence[str] = (), required: Sequence[str] = ()) -> dict[str, Any]:
    """The values a mapping of the file gives to the fields of the dataclass `cls`."""
    section = doc.value(path)
    if section is None:
        return {}
    if not isinstance(section, dict):
        problems.append(doc.problem(path, f"'{_dotted(path)}' must be a mapping"))
        return {}
    names = [field.name for field in fields(cls) if field.name not in NOT_KEYS]
    problems += doc.unknown_keys(path, section, names)
    for name in required:
        if section.get(name) in (None, "", []):
            problems.append(doc.problem(path, f"'{_dotted(path)}' needs {name}"))
    kinds = get_type_hints(cls)
    values = {}
    for name in names:
        if name not in read_apart and section.get(name) is not None:
            value = _value(doc, (*path, name), kinds[name], base, problems)
            if value is not INVALID:
                values[name] = value
    return values


def _value(doc: yamlfile.Document, path: yamlfile.Path_, kind: Any, base: Path, problems: list[Problem]) -> Any:
    """The value at `path` as the type `kind` wants it, or INVALID with a problem added."""
    value = doc.value(path)
    if get_origin(kind) in (Union, types.UnionType):  # X | None: null was handled by the caller
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    if get_origin(kind) is Literal:
        if value in get_args(kind):
            return value
        return _bad(doc, path, "one of " + ", ".join(get_args(kind)), value, problems)
    if get_origin(kind) is tuple:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value)
        return _bad(doc, path, "a list of texts", value, problems)
    if get_origin(kind) is dict:
        if isinstance(value, dict) and all(isinstance(item, (str, int, float)) for item in value.values()):
            return {str(key): str(item) for key, item in value.items()}
        return _bad(doc, path, "a mapping of texts", value, problems)
    if kind is Path:
        return base / value if isinstance(value, str) else _bad(doc, path, "a path", value, problems)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        return _bad(doc, path, kind.__name__, value, problems)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        problems.append(doc.problem(path, f"'{_dotted(path)}' must not be negative"))
        return INVALID
    return value


def _bad(doc: yamlfile.Document, path: yamlfile.Path_, wanted: str, value: Any, problems: list[Problem]) -> Any:
    problems.append(doc.problem(path, f"'{_dotted(path)}' must be {wanted}, not {value!r}"))
    return INVALID


def _dotted(path: yamlfile.Path_) -> str:
    return ".".join(map(str, path))


def _sources(doc: yamlfile.Document, problems: list[Problem]) -> tuple[Source, ...] | None:
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


def _accounts(doc: yamlfile.Document, base: Path, known: Known, problems: list[Problem]) -> tuple[Account, ...]:
    value = doc.data["accounts"]
    if not isinstance(value, dict):
        problems.append(doc.problem(("accounts",), "'accounts' must map account names to settings"))
        return ()
    accounts = []
    for name in value:
        path = ("accounts", name)
        count = len(problems)
        values = _fields(doc, path, Account, problems, base, read_apart=ACCOUNT_APART,
                         required=("api_base_url", "categories"))
        if len(problems) == count:
            values["categories"] = _categories(doc, (*path, "categories"), known.categories, problems)
            values["departments"] = _departments(doc, (*path, "departments"), problems)
            problems += _account_problems(doc, path, values, known)
        if len(problems) == count:
            values["api_base_url"] = values["api_base_url"].rstrip("/")
            accounts.append(Account(name=str(name), **values))
    return tuple(accounts)


def _account_problems(doc: yamlfile.Document, path: yamlfile.Path_, values: dict[str, Any],
                      known: Known) -> list[Problem]:
    """What an account's values say together, and with the rules and the disk."""
    problems = []
    if not is_http_url(values["api_base_url"]):
        problems.append(doc.problem((*path, "api_base_url"), f"'{_dotted(path)}': '{values['api_base_url']}' "
                                    "is not an http(s) URL with a host"))
    if ("access_token_env" in values) == ("access_token_file" in values):
        problems.append(doc.problem(path, f"'{_dotted(path)}' needs exactly one of access_token_env and "
                                          "access_token_file"))
    if "/@" in values["api_base_url"]:
        server = values["api_base_url"].split("/@")[0]
        problems.append(doc.problem((*path, "api_base_url"), f"'{_dotted(path)}': '{values['api_base_url']}' "
                                    "is a profile's address, not the server's", f"api_base_url: {server}"))
    if "access_token_file" in values and known.tokens:
        problems += _unreadable(doc, (*path, "access_token_file"), values["access_token_file"])
    if known.categories:
        problems += _unknown_categories(doc, (*path, "content_warnings"), list(values.get("content_warnings", ())),
                                        known.categories)
    for index, code in enumerate(values.get("sources", ())):
        if code not in known.sources:
            problems.append(doc.problem((*path, "sources", index), f"the source '{code}' is not read",
                                        registry.suggest(code, known.sources)))
    for index, kind in enumerate(values.get("skip_kinds", ())):
        if kind not in KINDS:
            problems.append(doc.problem((*path, "skip_kinds", index), f"unknown kind '{kind}'",
                                        "kinds: " + ", ".join(KINDS)))
    return problems


def _categories(doc: yamlfile.Document, path: yamlfile.Path_, known: Sequence[str],
                problems: list[Problem]) -> tuple[str, ...]:
    """An account's categories: `all` (every category of the rules) or a list of them."""
    value = doc.value(path)
    if value == "all":
        return tuple(known)
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        _bad(doc, path, "all or a list of texts", value, problems)
        return ()
    if known:
        problems += _unknown_categories(doc, path, value, known)
    return tuple(value)


def _departments(doc: yamlfile.Document, path: yamlfile.Path_, problems: list[Problem]) -> tuple[str, ...]:
    """Département codes as the toots write them ("06", "2A", "971"), from 6, "06" or "2a"."""
    value = doc.value(path)
    if value is None:
        return ()
    if not isinstance(value, list) or any(isinstance(code, bool) or not isinstance(code, (str, int))
                                          for code in value):
        _bad(doc, path, "a list of département codes", value, problems)
        return ()
    codes = []
    for index, code in enumerate(value):
        written = str(code).strip().upper().zfill(2)
        if written in DEPARTMENTS:
            codes.append(written)
        else:
            problems.append(doc.problem((*path, index), f"unknown département '{code}'", "a code such as 83, 2A "
                                        "or 971"))
    return tuple(codes)


def _unknown_categories(doc: yamlfile.Document, path: yamlfile.Path_, names: Sequence[str],
                        known: Sequence[str]) -> list[Problem]:
    """A problem for each name that no rule file defines, at its place in the list or as a key of the mapping."""
    problems = []
    for index, name in enumerate(names):
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "categories: " + ", ".join(sorted(known))
            where = (*path, index) if path[-1] == "categories" else (*path, name)
            problems.append(doc.problem(where, f"no rule file defines the category '{name}'", hint))
    return problems


def _unreadable(doc: yamlfile.Document, path: yamlfile.Path_, file: Path) -> list[Problem]:
    try:
        file.read_bytes()
    except OSError as error:
        return [doc.problem(path, f"cannot read token file {file}: {error.strerror}")]
    return []
