"""Setting up an event in a Discord server: catalogue, rooms, roles, merge rules."""

from __future__ import annotations

import asyncio

from bot.domain.catalogue import DEFAULT_CATALOGUE, Catalogue, MergeRule, load_catalogue, parse_catalogue
from bot.domain.errors import CatalogueError, UserError
from bot.domain.event import Event
from db.repositories import Repository

MAX_CATALOGUE_BYTES = 1_000_000
MAX_NAME_LENGTH = 100


_NAME_MESSAGES = {
    "event": ("The event name cannot be empty.", "The event name is too long (at most {limit} characters)."),
    "round": ("The round name cannot be empty.", "The round name is too long (at most {limit} characters)."),
    "room": ("The room name cannot be empty.", "The room name is too long (at most {limit} characters)."),
}


def clean_name(name: str, kind: str) -> str:
    """A name with its whitespace tidied; ``kind`` is "event", "round" or "room"."""
    empty, too_long = _NAME_MESSAGES[kind]
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UserError(empty)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise UserError(too_long, limit=MAX_NAME_LENGTH)
    return cleaned


def catalogue_from_upload(filename: str, content: bytes) -> Catalogue:
    if len(content) > MAX_CATALOGUE_BYTES:
        raise CatalogueError("{source}: the file is larger than 1 MB.", source=filename)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogueError("{source}: the file is not UTF-8 text.", source=filename) from None
    return parse_catalogue(text, filename)


async def create_event(
    repo: Repository, guild_id: int, name: str, catalogue_spec: str | None, upload: tuple[str, bytes] | None
) -> Event:
    event_name = clean_name(name, "event")
    if upload is not None:
        filename, content = upload
        catalogue = await asyncio.to_thread(catalogue_from_upload, filename, content)
        source = filename
    else:
        source = catalogue_spec or DEFAULT_CATALOGUE
        if not source.startswith("builtin:"):
            raise CatalogueError("Choose a built-in catalogue or attach a TOML file.")
        catalogue = await asyncio.to_thread(load_catalogue, source)
    return await repo.create_event(guild_id, event_name, catalogue, source)


async def add_merge_rule(repo: Repository, event: Event, source: int, target: int, note: str) -> MergeRule:
    rule = MergeRule(source, target, note.strip())
    # Validate against the catalogue exactly as a catalogue file's rules are validated.
    event.catalogue.with_merge_rules([*event.catalogue.merge_rules, rule])
    await repo.add_merge_rule(event.id, rule)
    return rule
