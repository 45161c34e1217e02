"""The catalogue: recommendations, their initiatives and the merge rules, loaded from TOML.

A catalogue file looks like::

    name = "Movement Strategy 2020"

    [[recommendations]]
    number = 1
    title = "Increase the Sustainability of Our Movement"
      [[recommendations.initiatives]]
      number = 1
      title = "Systematic approach to improve satisfaction and productivity"

    [[merge_rules]]
    source = 23
    target = 24
    note = "..."

Titles may carry translations in a ``titles`` table keyed by language code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain.errors import CatalogueError

BUILTIN_PREFIX = "builtin:"
DEFAULT_CATALOGUE = "builtin:movement-strategy-2020"
MAX_TITLE_LENGTH = 200
# Numbers people type on a ballot; also keeps every number far inside SQLite's 64-bit INTEGER.
MIN_NUMBER, MAX_NUMBER = 0, 999_999


def _frozen_titles(titles: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(titles or {}))


@dataclass(frozen=True)
class Initiative:
    number: int
    title: str
    recommendation: int
    description: str = ""
    titles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def title_in(self, language: str | None) -> str:
        """The title in ``language`` if the catalogue has it, else the English title."""
        return _localised(self.title, self.titles, language)


@dataclass(frozen=True)
class Recommendation:
    number: int
    title: str
    initiatives: tuple[Initiative, ...]
    titles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def title_in(self, language: str | None) -> str:
        return _localised(self.title, self.titles, language)


@dataclass(frozen=True)
class MergeRule:
    """A ballot that picked ``source`` but not ``target`` also counts for ``target``."""

    source: int
    target: int
    note: str = ""


def _localised(default: str, titles: Mapping[str, str], language: str | None) -> str:
    if not language:
        return default
    if language in titles:
        return titles[language]
    base = language.split("-")[0]
    return titles.get(base, default)


@dataclass(frozen=True)
class Catalogue:
    name: str
    recommendations: tuple[Recommendation, ...]
    merge_rules: tuple[MergeRule, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    @property
    def initiatives(self) -> tuple[Initiative, ...]:
        """Every initiative, in catalogue order (by recommendation, as written)."""
        return tuple(i for r in self.recommendations for i in r.initiatives)

    @property
    def initiative_numbers(self) -> frozenset[int]:
        return frozenset(i.number for i in self.initiatives)

    def initiative(self, number: int) -> Initiative:
        for initiative in self.initiatives:
            if initiative.number == number:
                return initiative
        raise CatalogueError("There is no initiative number {number} in this catalogue.", number=number)

    def recommendation(self, number: int) -> Recommendation:
        for recommendation in self.recommendations:
            if recommendation.number == number:
                return recommendation
        raise CatalogueError("There is no recommendation number {number} in this catalogue.", number=number)

    def with_merge_rules(self, rules: Iterable[MergeRule]) -> Catalogue:
        """The same catalogue under other merge rules (validated against its initiatives)."""
        catalogue = Catalogue(self.name, self.recommendations, tuple(rules), self.metadata)
        validate_catalogue(catalogue)
        return catalogue


def validate_catalogue(catalogue: Catalogue, source: str = "catalogue") -> None:
    """Raise a CatalogueError naming the first problem found, or return quietly."""
    if not catalogue.name.strip():
        raise CatalogueError("{source}: the catalogue needs a non-empty `name`.", source=source)
    if not catalogue.recommendations:
        raise CatalogueError("{source}: the catalogue has no recommendations.", source=source)
    seen_recommendations: set[int] = set()
    seen_initiatives: set[int] = set()
    for rec in catalogue.recommendations:
        where = f"recommendation {rec.number}"
        if rec.number in seen_recommendations:
            raise CatalogueError(
                "{source}: recommendation number {number} is used twice.", source=source, number=rec.number
            )
        seen_recommendations.add(rec.number)
        _check_title(rec.title, source, where)
        if not rec.initiatives:
            raise CatalogueError("{source}: {where} has no initiatives.", source=source, where=where)
        for ini in rec.initiatives:
            if ini.number in seen_initiatives:
                raise CatalogueError(
                    "{source}: initiative number {number} is used twice (numbers must be unique "
                    "across the catalogue).",
                    source=source,
                    number=ini.number,
                )
            seen_initiatives.add(ini.number)
            _check_title(ini.title, source, f"initiative {ini.number}")
    seen_rules: set[tuple[int, int]] = set()
    for rule in catalogue.merge_rules:
        for role, number in (("source", rule.source), ("target", rule.target)):
            if number not in seen_initiatives:
                raise CatalogueError(
                    "{source}: a merge rule's {role} names initiative {number}, which is not in "
                    "the catalogue.",
                    source=source,
                    role=role,
                    number=number,
                )
        if rule.source == rule.target:
            raise CatalogueError(
                "{source}: a merge rule cannot merge initiative {number} into itself.",
                source=source,
                number=rule.source,
            )
        if (rule.source, rule.target) in seen_rules:
            raise CatalogueError(
                "{source}: the merge rule {rule_source} -> {rule_target} is given twice.",
                source=source,
                rule_source=rule.source,
                rule_target=rule.target,
            )
        seen_rules.add((rule.source, rule.target))


def _check_title(title: str, source: str, where: str) -> None:
    if not title.strip():
        raise CatalogueError("{source}: {where} has an empty `title`.", source=source, where=where)
    if len(title) > MAX_TITLE_LENGTH:
        raise CatalogueError(
            "{source}: the `title` of {where} is longer than {limit} characters.",
            source=source,
            where=where,
            limit=MAX_TITLE_LENGTH,
        )
    if any(ord(ch) < 32 for ch in title):
        raise CatalogueError(
            "{source}: the `title` of {where} contains control characters.", source=source, where=where
        )


# --- loading -------------------------------------------------------------------------------------


def parse_catalogue(text: str, source: str = "catalogue") -> Catalogue:
    """Parse catalogue TOML text; every error names ``source``, the field and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError("{source}: not valid TOML ({detail}).", source=source, detail=str(exc)) from None
    return catalogue_from_mapping(data, source)


def load_catalogue(spec: str | Path) -> Catalogue:
    """Load ``builtin:NAME`` from the package data, or a TOML file from a path."""
    spec_text = str(spec)
    if spec_text.startswith(BUILTIN_PREFIX):
        name = spec_text[len(BUILTIN_PREFIX) :]
        resource = resources.files("bot.catalogues").joinpath(f"{name}.toml")
        if not name or not resource.is_file():
            raise CatalogueError(
                "There is no built-in catalogue called {name}. Available: {available}.",
                name=spec_text,
                available=", ".join(builtin_catalogue_names()),
            )
        return parse_catalogue(resource.read_text(encoding="utf-8"), spec_text)
    path = Path(spec_text)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(
            "{source}: cannot read the file ({detail}).", source=spec_text, detail=exc.strerror
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CatalogueError("{source}: the file is not UTF-8 text.", source=spec_text) from None
    return parse_catalogue(text, spec_text)


def builtin_catalogue_names() -> list[str]:
    return sorted(
        f"{BUILTIN_PREFIX}{entry.name.removesuffix('.toml')}"
        for entry in resources.files("bot.catalogues").iterdir()
        if entry.name.endswith(".toml")
    )


def catalogue_from_mapping(data: Mapping[str, Any], source: str = "catalogue") -> Catalogue:
    name = _field(data, "name", str, source, "the catalogue")
    raw_recommendations = _field(data, "recommendations", list, source, "the catalogue")
    recommendations = []
    for index, raw_rec in enumerate(raw_recommendations, start=1):
        where = f"recommendations[{index}]"
        if not isinstance(raw_rec, Mapping):
            raise CatalogueError("{source}: {where} must be a table.", source=source, where=where)
        rec_number = _field(raw_rec, "number", int, source, where)
        rec_title = _field(raw_rec, "title", str, source, where)
        raw_initiatives = _field(raw_rec, "initiatives", list, source, where)
        initiatives = []
        for ini_index, raw_ini in enumerate(raw_initiatives, start=1):
            ini_where = f"{where}.initiatives[{ini_index}]"
            if not isinstance(raw_ini, Mapping):
                raise CatalogueError("{source}: {where} must be a table.", source=source, where=ini_where)
            initiatives.append(
                Initiative(
                    number=_field(raw_ini, "number", int, source, ini_where),
                    title=_field(raw_ini, "title", str, source, ini_where),
                    recommendation=rec_number,
                    description=_field(raw_ini, "description", str, source, ini_where, required=False) or "",
                    titles=_frozen_titles(_titles(raw_ini, source, ini_where)),
                )
            )
        recommendations.append(
            Recommendation(
                number=rec_number,
                title=rec_title,
                initiatives=tuple(initiatives),
                titles=_frozen_titles(_titles(raw_rec, source, where)),
            )
        )
    rules = []
    raw_rules = _field(data, "merge_rules", list, source, "the catalogue", required=False) or []
    for index, raw_rule in enumerate(raw_rules, start=1):
        where = f"merge_rules[{index}]"
        if not isinstance(raw_rule, Mapping):
            raise CatalogueError("{source}: {where} must be a table.", source=source, where=where)
        rules.append(
            MergeRule(
                source=_field(raw_rule, "source", int, source, where),
                target=_field(raw_rule, "target", int, source, where),
                note=_field(raw_rule, "note", str, source, where, required=False) or "",
            )
        )
    metadata = data.get("metadata", {})
    if not isinstance(metadata, Mapping):
        raise CatalogueError("{source}: `metadata` must be a table.", source=source)
    catalogue = Catalogue(name, tuple(recommendations), tuple(rules), MappingProxyType(dict(metadata)))
    validate_catalogue(catalogue, source)
    return catalogue


def _field(
    data: Mapping[str, Any], key: str, kind: type, source: str, where: str, *, required: bool = True
) -> Any:
    if key not in data:
        if required:
            raise CatalogueError(
                "{source}: {where} is missing `{field}`.", source=source, where=where, field=key
            )
        return None
    value = data[key]
    # bool is an int subclass in Python; a number written as `true` is still a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CatalogueError(
            "{source}: `{field}` in {where} must be {kind}.",
            source=source,
            field=key,
            where=where,
            kind={int: "a whole number", str: "text", list: "a list of tables"}.get(kind, kind.__name__),
        )
    if kind is int and not MIN_NUMBER <= value <= MAX_NUMBER:
        raise CatalogueError(
            "{source}: `{field}` in {where} must be between {low} and {high}.",
            source=source,
            field=key,
            where=where,
            low=MIN_NUMBER,
            high=MAX_NUMBER,
        )
    return value


def _titles(data: Mapping[str, Any], source: str, where: str) -> dict[str, str]:
    titles = data.get("titles", {})
    if not isinstance(titles, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in titles.items()
    ):
        raise CatalogueError(
            "{source}: `titles` in {where} must map language codes to non-empty text.",
            source=source,
            where=where,
        )
    return dict(titles)
