"""Live tally messages: which messages keep themselves up to date, and the ballot version they show."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db.connection import Database


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LiveTally:
    """A message showing the tally of a round (or of one of its rooms) as ballots arrive."""

    message_id: int
    guild_id: int
    channel_id: int
    event_id: int
    round_id: int
    room_id: int | None
    scope: str  # "round" or "room"
    posted_at: datetime
    last_version: str
    active: bool


_COLUMNS = (
    "message_id, guild_id, channel_id, event_id, round_id, room_id, scope, posted_at, last_version, active"
)


def _from_row(row: Sequence[Any]) -> LiveTally:
    message_id, guild_id, channel_id, event_id, round_id, room_id, scope, posted, version, active = row
    return LiveTally(
        message_id, guild_id, channel_id, event_id, round_id, room_id, scope,
        datetime.fromisoformat(posted), version, bool(active),
    )  # fmt: skip


class LiveTallyRepository:
    def __init__(self, db: Database, clock: Callable[[], datetime] = _utcnow) -> None:
        self.db = db
        self.clock = clock

    async def add(
        self,
        message_id: int,
        guild_id: int,
        channel_id: int,
        event_id: int,
        round_id: int,
        room_id: int | None,
        version: str,
    ) -> LiveTally:
        posted_at = self.clock().astimezone(UTC).isoformat(timespec="microseconds")
        async with self.db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO live_tallies ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (message_id, guild_id, channel_id, event_id, round_id, room_id,
                 "room" if room_id is not None else "round", posted_at, version),
            )  # fmt: skip
            # Read back on the writer, inside the transaction: the row is certainly there.
            rows = await conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM live_tallies WHERE message_id = ?", (message_id,)
            )
        return _from_row(next(iter(rows)))

    async def get(self, message_id: int) -> LiveTally | None:
        async with self.db.reader.execute(
            f"SELECT {_COLUMNS} FROM live_tallies WHERE message_id = ?", (message_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _from_row(row) if row else None

    async def active(self) -> list[LiveTally]:
        async with self.db.reader.execute(
            f"SELECT {_COLUMNS} FROM live_tallies WHERE active = 1 ORDER BY message_id"
        ) as cursor:
            return [_from_row(row) for row in await cursor.fetchall()]

    async def active_in_channel(self, guild_id: int, channel_id: int) -> list[LiveTally]:
        async with self.db.reader.execute(
            f"SELECT {_COLUMNS} FROM live_tallies "
            "WHERE active = 1 AND guild_id = ? AND channel_id = ? ORDER BY message_id",
            (guild_id, channel_id),
        ) as cursor:
            return [_from_row(row) for row in await cursor.fetchall()]

    async def set_version(self, message_id: int, version: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE live_tallies SET last_version = ? WHERE message_id = ?", (version, message_id)
            )

    async def deactivate(self, message_id: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE live_tallies SET active = 0 WHERE message_id = ? AND active = 1", (message_id,)
            )
            return cursor.rowcount > 0

    async def ballot_version(self, round_id: int) -> str:
        """Changes whenever a ballot of the round changes: every change adds a ballot_audit row."""
        async with self.db.reader.execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM ballot_audit WHERE round_id = ?", (round_id,)
        ) as cursor:
            row = await cursor.fetchone()
        count, last_id = row if row else (0, 0)
        return f"{count}:{last_id}"
