"""The translation layer: gettext catalogues (``locales/<code>/LC_MESSAGES/prioritybot.po``).

Message ids are the English texts with ``{placeholders}``, so English needs no catalogue and a
missing translation falls back to readable English. Catalogues are read with Babel and compiled
in memory at first use (no compile step to forget), then served by the standard ``gettext``
machinery, plural forms included.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Mapping
from importlib import resources
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "prioritybot"
DEFAULT_LANGUAGE = "en"

# Discord locale codes -> catalogue codes. Arabic has no Discord locale: /language sets it.
DISCORD_LOCALE_ALIASES: Mapping[str, str] = {
    "zh-CN": "zh_Hans",
    "zh-TW": "zh_Hant",
    "es-419": "es",
    "es-ES": "es",
    "pt-BR": "pt",
    "sv-SE": "sv",
}


# The event's interpretation languages (Hindi was added in December 2020), by their own names.
LANGUAGE_NAMES: Mapping[str, str] = {
    "en": "English",
    "ar": "العربية",
    "zh_Hans": "简体中文",
    "zh_Hant": "繁體中文",
    "fr": "Français",
    "de": "Deutsch",
    "hi": "हिन्दी",
    "id": "Bahasa Indonesia",
    "ru": "Русский",
    "es": "Español",
}
ENGLISH_LANGUAGE_NAMES: Mapping[str, str] = {
    "en": "English",
    "ar": "Arabic",
    "zh_Hans": "Chinese (Simplified)",
    "zh_Hant": "Chinese (Traditional)",
    "fr": "French",
    "de": "German",
    "hi": "Hindi",
    "id": "Indonesian",
    "ru": "Russian",
    "es": "Spanish",
}
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur"})
# Unicode bidi controls: a right-to-left mark starts RTL messages, and each value put into one
# (a number, an English name) is isolated so it cannot reorder the Arabic text around it.
RLM, FSI, PDI = "\u200f", "\u2068", "\u2069"


def normalise_language(code: str | None) -> str:
    """A catalogue code for a Discord locale or a user's choice ('fr', 'zh-CN', 'ar', 'en-US'...)."""
    if not code:
        return DEFAULT_LANGUAGE
    if code in DISCORD_LOCALE_ALIASES:
        return DISCORD_LOCALE_ALIASES[code]
    lowered = code.replace("_", "-").lower()
    if lowered in ("zh", "zh-hans", "zh-cn", "zh-sg"):
        return "zh_Hans"
    if lowered in ("zh-hant", "zh-tw", "zh-hk"):
        return "zh_Hant"
    return lowered.split("-")[0]


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    resource = resources.files("bot.i18n").joinpath("locales", language, "LC_MESSAGES", f"{DOMAIN}.po")
    if not resource.is_file():
        return gettext.NullTranslations()
    with resource.open("rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def available_languages() -> list[str]:
    root = resources.files("bot.i18n").joinpath("locales")
    found = sorted(entry.name for entry in root.iterdir() if entry.is_dir()) if root.is_dir() else []
    return [DEFAULT_LANGUAGE, *found]


class Translator:
    """Renders message ids in one language: ``tr("Saved {count} picks", count=3)``."""

    def __init__(self, language: str | None) -> None:
        self.language = normalise_language(language)
        self._gettext = _translations(self.language) if self.language != DEFAULT_LANGUAGE else None

    def gettext(self, message: str) -> str:
        return self._gettext.gettext(message) if self._gettext else message

    def __call__(self, message: str, /, **params: Any) -> str:
        return self._render(self.gettext(message), params)

    def ngettext(self, singular: str, plural: str, count: int, /, **params: Any) -> str:
        """Plural-aware message; ``count`` is also available as ``{count}``."""
        params.setdefault("count", count)
        if self._gettext:
            text = self._gettext.ngettext(singular, plural, count)
        else:
            text = singular if count == 1 else plural
        return self._render(text, params)

    @property
    def right_to_left(self) -> bool:
        return self.language in RIGHT_TO_LEFT

    def _render(self, text: str, params: Mapping[str, Any]) -> str:
        if self.right_to_left:
            isolated = {key: f"{FSI}{value}{PDI}" for key, value in params.items()}
            return RLM + text.format(**isolated)
        return text.format(**params) if params else text
