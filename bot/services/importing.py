"""Offline event set-up and ballot import (the CLI's path into the same store the bot uses)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.domain.ballot_import import parse_ballot_csv
from bot.domain.ballots import PickLimits
from bot.domain.catalogue import DEFAULT_CATALOGUE, Catalogue, load_catalogue
from bot.domain.errors import ImportFileError, UserError
from bot.domain.event import OFFLINE_GUILD_ID, Event, Round
from db.repositories import Repository

DEFAULT_IMPORT_ROUND = "Imported"


@dataclass(frozen=True)
class ImportResult:
    event: Event
    round: Round
    new_ballots: int
    replaced_ballots: int
    picks: int


async def ensure_offline_event(
    repo: Repository, name: str, catalogue_spec: str | None, catalogue: Catalogue | None = None
) -> Event:
    """The offline event called ``name``, created from the catalogue if it does not exist yet."""
    event = await repo.event_by_name(OFFLINE_GUILD_ID, name)
    if event is not None:
        if catalogue_spec and catalogue_spec != event.catalogue_source:
            raise UserError(
                "The event {name} already uses the catalogue {current}; leave out --catalogue or use another event name.",
                name=name,
                current=event.catalogue_source,
            )
        return event
    spec = catalogue_spec or DEFAULT_CATALOGUE
    if catalogue is None:
        catalogue = await asyncio.to_thread(load_catalogue, spec)
    return await repo.create_event(OFFLINE_GUILD_ID, name, catalogue, spec)


async def import_ballot_file(
    repo: Repository,
    path: Path,
    event_name: str,
    round_name: str | None = None,
    catalogue_spec: str | None = None,
    max_picks: int | None = None,
) -> ImportResult:
    """Validate the whole file first, then store it in one transaction: all of it or none of it."""
    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise ImportFileError(
            "{source}: cannot read the file ({detail}).", source=str(path), detail=exc.strerror
        ) from None
    event = await repo.event_by_name(OFFLINE_GUILD_ID, event_name)
    name = round_name or DEFAULT_IMPORT_ROUND
    existing = await repo.round_by_name(event.id, name) if event else None
    if max_picks is not None:
        limits = PickLimits(min_picks=1, max_picks=max_picks)
    else:
        limits = existing.limits if existing else PickLimits(min_picks=1, max_picks=None)
    # Validate against the catalogue before anything is created, so a bad file leaves no trace.
    if event is not None:
        catalogue = event.catalogue
    else:
        catalogue = await asyncio.to_thread(load_catalogue, catalogue_spec or DEFAULT_CATALOGUE)
    ballots = parse_ballot_csv(raw, catalogue, limits, source=str(path))
    event = await ensure_offline_event(repo, event_name, catalogue_spec, catalogue)
    round_ = existing or await repo.ensure_round(event.id, name, limits)
    new, replaced = await repo.import_ballots(event.id, round_.id, ballots)
    return ImportResult(event, round_, new, replaced, sum(len(b.picks) for b in ballots))
