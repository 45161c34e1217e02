"""The translation catalogues are complete, consistent and used everywhere text reaches people."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n.extract import TEMPLATE, build_template

ROOT = Path(__file__).resolve().parents[2]


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_template_is_up_to_date_with_the_source() -> None:
    stored = {m.id if isinstance(m.id, str) else m.id[0] for m in _read(TEMPLATE) if m.id}
    current = {m.id if isinstance(m.id, str) else m.id[0] for m in build_template() if m.id}
    assert current - stored == set(), "run: python -m bot.i18n.extract"
    assert stored - current == set(), "run: python -m bot.i18n.extract"


# --- nothing user-facing in cogs/ or bot/ui/ bypasses the translation layer -------------------

USER_FACING_CALLS = {
    "send_message", "send", "edit_message", "edit", "add_field", "Embed", "set_footer", "set_author",
    "Button", "Select", "SelectOption", "TextInput", "Modal", "followup",
}  # fmt: skip
NOT_TEXT_KEYWORDS = {
    "custom_id",
    "style",
    "emoji",
    "url",
    "value",
    "filename",
    "name_localizations",
    "template",
}
WORDS = re.compile(r"[^\W\d_]{2,}")


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    return None


def _untranslated_literals(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in USER_FACING_CALLS:
            continue
        arguments = [*node.args, *(k.value for k in node.keywords if k.arg not in NOT_TEXT_KEYWORDS)]
        for argument in arguments:
            text = _literal_text(argument)
            if text and WORDS.search(text):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}")
    return found


def test_no_user_facing_literal_bypasses_the_translation_layer() -> None:
    files = [*sorted((ROOT / "cogs").rglob("*.py")), *sorted((ROOT / "bot" / "ui").rglob("*.py"))]
    assert [problem for path in files for problem in _untranslated_literals(path)] == []
