"""Turning failures into replies: user errors politely, anything else logged with an id to quote."""

from __future__ import annotations

import logging
import secrets

from bot.domain.errors import UserError

__all__ = ["UserError", "new_error_id"]

log = logging.getLogger("prioritybot.errors")


def new_error_id() -> str:
    """A short id shown to the user and written to the log, so a report can be matched to a trace."""
    return secrets.token_hex(4)
