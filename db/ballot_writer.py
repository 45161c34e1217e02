"""Group commit for ballots: concurrent ballot changes share one write transaction.

In a live event most participants submit in the same seconds. One transaction per ballot costs
a dozen round trips to aiosqlite's thread each, so a burst queues up behind itself. Here every
change waits in a queue; one writer takes everything queued, applies the changes in arrival
order (each one sees the result of the ones before it, so two changes to one ballot still apply
one after the other), writes them with a fixed number of statements, commits, and only then
answers each caller. Acknowledged therefore still means committed; a change refused by its own
rule (a UserError) is answered on its own and leaves no trace; a database failure fails the
whole batch, and nobody in it is told their vote was saved.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.domain.errors import UserError
from bot.domain.event import StoredBallot
from db.connection import Database

log = logging.getLogger(__name__)

MAX_BATCH = 500  # keeps every IN (...) list far below SQLite's variable limit
PickChange = Callable[[frozenset[int]], frozenset[int]]


@dataclass(frozen=True)
class BallotChange:
    """What a write to a ballot did, for the confirmation and the audit trail."""

    ballot: StoredBallot
    previous_picks: frozenset[int] | None  # None: the ballot is new


@dataclass
class _Request:
    round_id: int
    voter: str
    room_id: int | None
    action: str
    new_picks: PickChange
    future: asyncio.Future[BallotChange] = field(repr=False)


@dataclass
class _BallotState:
    """One ballot as the batch sees it: as stored, then as the batch's changes leave it."""

    ballot_id: int | None
    created_at: datetime | None
    picks: frozenset[int] | None  # None: no ballot (never cast, or withdrawn)
    room_id: int | None
    touched: bool = False


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class BallotWriter:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        self._queue: list[_Request] = []
        self._writer: asyncio.Task[None] | None = None

    async def change(
        self, round_id: int, voter: str, room_id: int | None, action: str, new_picks: PickChange
    ) -> BallotChange:
        future: asyncio.Future[BallotChange] = asyncio.get_running_loop().create_future()
        self._queue.append(_Request(round_id, voter, room_id, action, new_picks, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="prioritybot-ballot-writer")
        # shield: a caller that gives up (a cancelled interaction) must not cancel the batch.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                results = await self._write(batch)
            except Exception as error:  # the database failed: nobody in the batch is acknowledged
                log.exception("a batch of %d ballot changes was not written", len(batch))
                for request in batch:
                    if not request.future.done():
                        request.future.set_exception(error)
                continue
            for request, outcome in zip(batch, results, strict=True):
                if request.future.done():
                    continue
                if isinstance(outcome, BaseException):
                    request.future.set_exception(outcome)
                else:
                    request.future.set_result(outcome)

    async def _write(self, batch: Sequence[_Request]) -> list[BallotChange | BaseException]:
        now = self._clock()
        async with self._db.transaction() as conn:
            round_status = await self._round_status(conn, {r.round_id for r in batch})
            states = await self._load_ballots(conn, batch)
            # per request: the refusal, or (picks before this change, picks after it)
            outcomes: list[BaseException | tuple[frozenset[int] | None, frozenset[int]]] = []
            audit_rows: list[tuple[Any, ...]] = []
            for request in batch:
                status, name = round_status.get(request.round_id, ("missing", "?"))
                if status != "open":
                    outcomes.append(
                        UserError("The round {name} is closed; votes are no longer accepted.", name=name)
                    )
                    continue
                state = states[(request.round_id, request.voter)]
                try:
                    picks = request.new_picks(state.picks or frozenset())
                except Exception as refusal:  # the change's own rule said no: only this caller hears it
                    outcomes.append(refusal)
                    continue
                previous = state.picks
                state.picks = picks or None  # a ballot left with no picks is withdrawn
                state.room_id = request.room_id
                state.touched = True
                audit_rows.append(
                    (
                        request.round_id,
                        request.voter,
                        request.room_id,
                        request.action,
                        json.dumps(sorted(picks)),
                        _iso(now),
                    )
                )
                outcomes.append((previous, picks))
            await self._store(conn, states, now)
            if audit_rows:
                await conn.executemany(
                    "INSERT INTO ballot_audit (round_id, voter, room_id, action, picks, at) VALUES (?, ?, ?, ?, ?, ?)",
                    audit_rows,
                )
                await conn.executemany(
                    "DELETE FROM ballot_drafts WHERE round_id = ? AND voter = ?",
                    [(round_id, voter) for (round_id, voter), state in states.items() if state.touched],
                )
            room_names = await self._room_names(conn, {s.room_id for s in states.values() if s.room_id})
        results: list[BallotChange | BaseException] = []
        for request, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                results.append(outcome)
                continue
            previous, picks = outcome
            state = states[(request.round_id, request.voter)]
            stored = StoredBallot(
                request.round_id,
                request.voter,
                room_names.get(request.room_id) if request.room_id else None,
                picks,
                state.created_at or now,
                now,
            )
            results.append(BallotChange(stored, previous))
        return results

    @staticmethod
    async def _round_status(conn: aiosqlite.Connection, round_ids: set[int]) -> dict[int, tuple[str, str]]:
        marks = ", ".join("?" for _ in round_ids)
        rows = await conn.execute_fetchall(
            f"SELECT id, status, name FROM rounds WHERE id IN ({marks})", list(round_ids)
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    @staticmethod
    async def _load_ballots(
        conn: aiosqlite.Connection, batch: Sequence[_Request]
    ) -> dict[tuple[int, str], _BallotState]:
        states: dict[tuple[int, str], _BallotState] = {}
        by_round: dict[int, set[str]] = {}
        for request in batch:
            by_round.setdefault(request.round_id, set()).add(request.voter)
        for round_id, voters in by_round.items():
            marks = ", ".join("?" for _ in voters)
            rows = await conn.execute_fetchall(
                "SELECT b.id, b.voter, b.room_id, b.created_at, p.initiative FROM ballots b "
                "LEFT JOIN ballot_picks p ON p.ballot_id = b.id "
                f"WHERE b.round_id = ? AND b.voter IN ({marks})",
                [round_id, *voters],
            )
            picks: dict[str, set[int]] = {}
            for ballot_id, voter, room_id, created_at, initiative in rows:
                if voter not in picks:
                    picks[voter] = set()
                    states[(round_id, voter)] = _BallotState(
                        ballot_id, datetime.fromisoformat(created_at), None, room_id
                    )
                if initiative is not None:
                    picks[voter].add(initiative)
            for voter, numbers in picks.items():
                states[(round_id, voter)].picks = frozenset(numbers)
            for voter in voters:
                states.setdefault((round_id, voter), _BallotState(None, None, None, None))
        return states

    @staticmethod
    async def _store(
        conn: aiosqlite.Connection, states: dict[tuple[int, str], _BallotState], now: datetime
    ) -> None:
        touched = {key: state for key, state in states.items() if state.touched}
        existing = [state for state in touched.values() if state.ballot_id is not None]
        withdrawn = [state.ballot_id for state in existing if state.picks is None]
        kept = [state for state in existing if state.picks is not None]
        new = {
            key: state
            for key, state in touched.items()
            if state.ballot_id is None and state.picks is not None
        }
        stamp = _iso(now)
        if withdrawn:
            await conn.executemany(
                "DELETE FROM ballots WHERE id = ?", [(ballot_id,) for ballot_id in withdrawn]
            )
        if kept:
            await conn.executemany(
                "UPDATE ballots SET room_id = ?, updated_at = ? WHERE id = ?",
                [(state.room_id, stamp, state.ballot_id) for state in kept],
            )
            await conn.executemany(
                "DELETE FROM ballot_picks WHERE ballot_id = ?", [(state.ballot_id,) for state in kept]
            )
        if new:
            await conn.executemany(
                "INSERT INTO ballots (round_id, voter, room_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                [(round_id, voter, state.room_id, stamp, stamp) for (round_id, voter), state in new.items()],
            )
            by_round: dict[int, list[str]] = {}
            for round_id, voter in new:
                by_round.setdefault(round_id, []).append(voter)
            for round_id, voters in by_round.items():
                marks = ", ".join("?" for _ in voters)
                rows = await conn.execute_fetchall(
                    f"SELECT voter, id FROM ballots WHERE round_id = ? AND voter IN ({marks})",
                    [round_id, *voters],
                )
                for voter, ballot_id in rows:
                    state = new[(round_id, voter)]
                    state.ballot_id = ballot_id
                    state.created_at = now
        await conn.executemany(
            "INSERT INTO ballot_picks (ballot_id, initiative) VALUES (?, ?)",
            [
                (state.ballot_id, number)
                for state in [*kept, *new.values()]
                for number in sorted(state.picks or ())
            ],
        )

    @staticmethod
    async def _room_names(conn: aiosqlite.Connection, room_ids: set[int | None]) -> dict[int | None, str]:
        ids = [room_id for room_id in room_ids if room_id is not None]
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await conn.execute_fetchall(f"SELECT id, name FROM rooms WHERE id IN ({marks})", ids)
        return {row[0]: row[1] for row in rows}
