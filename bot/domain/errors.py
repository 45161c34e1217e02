"""Errors that are the user's to fix, shown to them politely instead of being logged as bugs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class UserError(Exception):
    """A problem with what the user asked for (bad input, closed round, missing role...).

    ``message`` is an English message template with ``{placeholders}``; it doubles as the
    gettext message id, so the translation layer can render it in the reader's language.
    Parameters named in ``translated_params`` are themselves message ids (a built-in question's
    label, say) and are translated too.
    """

    translated_params: tuple[str, ...] = ()

    def __init__(self, message: str, /, **params: Any) -> None:
        self.message = message
        self.params: Mapping[str, Any] = params
        super().__init__(self.render())

    def render(self, translate: Any = None) -> str:
        template = translate(self.message) if translate is not None else self.message
        return template.format(**self.params)


class CatalogueError(UserError):
    """A catalogue file that cannot be used as it is."""


class BallotError(UserError):
    """A ballot that breaks the round's rules (unknown initiative, too many picks...)."""


class ImportFileError(UserError):
    """A ballot import file that cannot be read; nothing of it is stored."""


class NotFoundError(UserError):
    """An event, round or room that does not exist (in this guild)."""
