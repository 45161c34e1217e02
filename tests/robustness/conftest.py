from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.domain.access import MemberAccess
from bot.domain.ballots import PickLimits
from bot.domain.catalogue import Catalogue
from bot.services import voting
from db.repositories import Repository

GUILD_ID = 1001
ROOM_CHANNEL_ID = 4242
EVENT_NAME = "Robustness"


async def open_voting(repo: Repository, catalogue: Catalogue) -> voting.VotingPlace:
    """An active event with one breakout room and an open round of at most 6 picks."""
    event = await repo.create_event(GUILD_ID, EVENT_NAME, catalogue, "builtin:movement-strategy-2020")
    await repo.add_room(event.id, "Room", ROOM_CHANNEL_ID)
    await repo.open_round(event.id, "Round", PickLimits(1, 6))
    return await voting.voting_place(repo, GUILD_ID, [ROOM_CHANNEL_ID], MemberAccess.of([], False))


def dump(path: Path, *, ignore: tuple[str, ...] = ()) -> list[str]:
    """Every row of every table, read with a plain sqlite3 connection (the committed state).

    ``ignore`` names tables whose rows are left out (bookkeeping any interaction may touch).
    """
    skipped = tuple(f'INSERT INTO "{table}" ' for table in ignore)
    connection = sqlite3.connect(path)
    try:
        return [line for line in connection.iterdump() if not line.startswith(skipped)]
    finally:
        connection.close()


def ballots_without_picks(connection: sqlite3.Connection) -> list[int]:
    return [
        row[0]
        for row in connection.execute(
            "SELECT b.id FROM ballots b WHERE NOT EXISTS (SELECT 1 FROM ballot_picks p WHERE p.ballot_id = b.id)"
        )
    ]


def integrity(connection: sqlite3.Connection) -> str:
    return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


# The simcord fixtures of the cog tests (the bot on the test's database, and guild A's World).
from tests.cogs.conftest import simcord_bot, world  # noqa: E402, F401
