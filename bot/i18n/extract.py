"""Extract every user-facing message into the template and update each language's catalogue.

Run ``python -m bot.i18n.extract`` after changing user-facing text, then translate the new
entries in ``bot/i18n/locales/<code>/LC_MESSAGES/prioritybot.po``. Messages are found with
Babel's Python extractor (calls to ``tr(...)``, ``tr.ngettext(...)``, ``_(...)`` and to every
``UserError`` subclass) plus the slash commands' descriptions, read from the source.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.domain.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ("bot", "cogs")
LOCALES = Path(__file__).resolve().parent / "locales"
TEMPLATE = LOCALES / "prioritybot.pot"
LANGUAGES = ("ar", "de", "es", "fr", "hi", "id", "ru", "zh_Hans", "zh_Hant")
TRANSLATOR_NAMES = ("tr", "public", "_", "gettext")
DESCRIPTION_KEYWORDS = ("description", "group_description")


def _user_error_classes() -> set[str]:
    for package in SOURCE_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".extract" not in info.name:
                importlib.import_module(info.name)
    names: set[str] = set()
    pending = [UserError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return names


def keywords() -> dict[str, tuple[int, ...] | None]:
    found: dict[str, tuple[int, ...] | None] = {name: None for name in TRANSLATOR_NAMES}
    found["ngettext"] = (1, 2)
    found.update({name: None for name in _user_error_classes()})
    return found


def source_files() -> Iterator[Path]:
    for package in SOURCE_PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def command_descriptions(path: Path) -> Iterator[tuple[int, str]]:
    """Slash-command, group, parameter and choice descriptions, which discord.py translates."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for keyword in node.keywords:
                if keyword.arg in DESCRIPTION_KEYWORDS and isinstance(keyword.value, ast.Constant):
                    yield node.lineno, keyword.value.value
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for keyword in node.keywords:
            value = keyword.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            if (
                keyword.arg in DESCRIPTION_KEYWORDS
                or name == "describe"
                or (name == "Choice" and keyword.arg == "name")
            ):
                yield node.lineno, value.value


def nested_messages(path: Path) -> Iterator[tuple[int, str | tuple[str, str]]]:
    """Translator calls nested inside other calls' arguments, which Babel's extractor skips."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        texts = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if name == "ngettext" and len(texts) == 2:
            yield node.lineno, (texts[0], texts[1])
        elif name in TRANSLATOR_NAMES and texts:
            yield node.lineno, texts[0]


def build_template() -> Catalog:
    catalog = Catalog(project="prioritybot", creation_date=datetime(2026, 1, 1, tzinfo=UTC), fuzzy=False)
    extract_keywords = keywords()
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        for lineno, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=extract_keywords, strip_comment_tags=True
        ):
            if message and (message if isinstance(message, str) else message[0]).strip():
                catalog.add(message, locations=[(relative, lineno)], flags=("python-brace-format",))
        for lineno, nested in nested_messages(path):
            if nested not in catalog:
                catalog.add(nested, locations=[(relative, lineno)], flags=("python-brace-format",))
        for lineno, description in command_descriptions(path):
            catalog.add(description, locations=[(relative, lineno)])
    return catalog


def update_catalogues() -> dict[str, int]:
    """Write the template and merge it into every language; returns untranslated counts."""
    template = build_template()
    LOCALES.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False, sort_output=True)
    untranslated: dict[str, int] = {}
    for language in LANGUAGES:
        path = LOCALES / language / "LC_MESSAGES" / "prioritybot.po"
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(locale=language, project="prioritybot", fuzzy=False)
        catalog.update(template, update_header_comment=False, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True, ignore_obsolete=True)
        untranslated[language] = sum(1 for message in catalog if message.id and not message.string)
    return untranslated


def main() -> None:
    for language, missing in update_catalogues().items():
        print(f"{language}: {missing} messages to translate")


if __name__ == "__main__":
    main()
