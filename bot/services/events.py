"""Setting up an event in a Discord server: catalogue, rooms, roles, merge rules."""

from __future__ import annotations

import asyncio

from bot.domain.catalogue import DEFAULT_CATALOGUE, Catalogue, MergeRule, load_catalogue, parse_catalogue
from bot.domain.errors import CatalogueError, UserError
from bot.domain.event import Event
from db.repositories import Repository

MAX_CATALOGUE_BYTES = 1_000_000
MAX_NAME_LENGTH = 100


def clean_name(name: str, what: str = "name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UserError("The {what} cannot be empty.", what=what)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise UserError(
            "The {what} is too long (at most {limit} characters).", what=what, limit=MAX_NAME_LENGTH
        )
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
    event_name = clean_name(name, "event name")
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
