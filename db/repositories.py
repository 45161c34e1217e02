"""Typed access to the store. Every method returns domain objects; every query names its guild
or an id already resolved within one, so no guild's data leaks into another's."""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import aiosqlite

from bot.domain.ballots import Ballot, PickLimits
from bot.domain.catalogue import Catalogue, Initiative, MergeRule, Recommendation
from bot.domain.errors import NotFoundError, UserError
from bot.domain.event import Event, EventRoles, Room, Round, StoredBallot
from db.ballot_writer import BallotChange, BallotWriter
from db.connection import Database


def utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


class Repository:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        # The bot passes discord.utils.utcnow, so stored times follow the same clock as its timers.
        self.clock = clock
        self._ballot_writer = BallotWriter(db, clock)
        self._catalogues: dict[int, tuple[Catalogue, str]] = {}

    # --- catalogues -------------------------------------------------------------------------

    async def _insert_catalogue(self, conn: aiosqlite.Connection, catalogue: Catalogue, source: str) -> int:
        cursor = await conn.execute(
            "INSERT INTO catalogues (name, source, metadata) VALUES (?, ?, ?)",
            (catalogue.name, source, json.dumps(dict(catalogue.metadata), ensure_ascii=False, default=str)),
        )
        catalogue_id = cursor.lastrowid
        assert catalogue_id is not None
        await conn.executemany(
            "INSERT INTO recommendations (catalogue_id, number, position, title, titles) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    catalogue_id,
                    rec.number,
                    position,
                    rec.title,
                    json.dumps(dict(rec.titles), ensure_ascii=False),
                )
                for position, rec in enumerate(catalogue.recommendations)
            ],
        )
        await conn.executemany(
            "INSERT INTO initiatives (catalogue_id, number, recommendation_number, position, title, "
            "description, titles) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    catalogue_id,
                    ini.number,
                    ini.recommendation,
                    position,
                    ini.title,
                    ini.description,
                    json.dumps(dict(ini.titles), ensure_ascii=False),
                )
                for position, ini in enumerate(catalogue.initiatives)
            ],
        )
        return catalogue_id

    async def _load_catalogue(self, catalogue_id: int, event_id: int) -> tuple[Catalogue, str]:
        """The event's catalogue with the event's own merge rules.

        Catalogue rows are written once and never changed, so they are read once per process;
        every interaction looks up its event, and this keeps that to a couple of small queries.
        """
        cached = self._catalogues.get(catalogue_id)
        if cached is None:
            cached = await self._read_catalogue(catalogue_id)
            self._catalogues[catalogue_id] = cached
        catalogue, source = cached
        rules = await self.merge_rules(event_id)
        return Catalogue(catalogue.name, catalogue.recommendations, tuple(rules), catalogue.metadata), source

    async def _read_catalogue(self, catalogue_id: int) -> tuple[Catalogue, str]:
        conn = self.db.reader
        async with conn.execute(
            "SELECT name, source, metadata FROM catalogues WHERE id = ?", (catalogue_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise NotFoundError("The event's catalogue is missing.")
        name, source, metadata = row
        async with conn.execute(
            "SELECT number, recommendation_number, title, description, titles FROM initiatives "
            "WHERE catalogue_id = ? ORDER BY position",
            (catalogue_id,),
        ) as cursor:
            by_recommendation: dict[int, list[Initiative]] = defaultdict(list)
            for number, rec_number, title, description, titles in await cursor.fetchall():
                by_recommendation[rec_number].append(
                    Initiative(number, title, rec_number, description, MappingProxyType(json.loads(titles)))
                )
        async with conn.execute(
            "SELECT number, title, titles FROM recommendations WHERE catalogue_id = ? ORDER BY position",
            (catalogue_id,),
        ) as cursor:
            recommendations = tuple(
                Recommendation(
                    number, title, tuple(by_recommendation[number]), MappingProxyType(json.loads(titles))
                )
                for number, title, titles in await cursor.fetchall()
            )
        return Catalogue(name, recommendations, (), MappingProxyType(json.loads(metadata))), source

    # --- events -----------------------------------------------------------------------------

    _EVENT_COLUMNS = (
        "id, guild_id, name, catalogue_id, status, language, organiser_role_id, facilitator_role_id, "
        "staff_role_id, interpreter_role_id, staff_may_vote, pseudonym_key, created_at"
    )

    async def _event_from_row(self, row: Sequence[Any]) -> Event:
        (
            event_id, guild_id, name, catalogue_id, status, language, organiser, facilitator,
            staff, interpreter, staff_may_vote, pseudonym_key, created_at,
        ) = row  # fmt: skip
        catalogue, source = await self._load_catalogue(catalogue_id, event_id)
        return Event(
            id=event_id,
            guild_id=guild_id,
            name=name,
            catalogue=catalogue,
            catalogue_source=source,
            status=status,
            language=language,
            roles=EventRoles(organiser, facilitator, staff, interpreter),
            staff_may_vote=bool(staff_may_vote),
            pseudonym_key=pseudonym_key,
            created_at=datetime.fromisoformat(created_at),
        )

    async def create_event(self, guild_id: int, name: str, catalogue: Catalogue, source: str) -> Event:
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT status FROM events WHERE guild_id = ? AND name = ?", (guild_id, name)
            ) as cursor:
                if await cursor.fetchone():
                    raise UserError("An event called {name} already exists here.", name=name)
            if guild_id != 0:
                async with conn.execute(
                    "SELECT name FROM events WHERE guild_id = ? AND status = 'active'", (guild_id,)
                ) as cursor:
                    active = await cursor.fetchone()
                if active:
                    raise UserError(
                        "The event {name} is still active in this server; close it first with /event close.",
                        name=active[0],
                    )
            catalogue_id = await self._insert_catalogue(conn, catalogue, source)
            cursor = await conn.execute(
                "INSERT INTO events (guild_id, name, catalogue_id, pseudonym_key, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (guild_id, name, catalogue_id, secrets.token_hex(16), _iso(self.clock())),
            )
            event_id = cursor.lastrowid
            await conn.executemany(
                "INSERT INTO merge_rules (event_id, source, target, note, position) VALUES (?, ?, ?, ?, ?)",
                [(event_id, r.source, r.target, r.note, pos) for pos, r in enumerate(catalogue.merge_rules)],
            )
        event = await self.event_by_id(guild_id, event_id or 0)
        assert event is not None
        return event

    async def event_by_id(self, guild_id: int, event_id: int) -> Event | None:
        async with self.db.reader.execute(
            f"SELECT {self._EVENT_COLUMNS} FROM events WHERE guild_id = ? AND id = ?", (guild_id, event_id)
        ) as cursor:
            row = await cursor.fetchone()
        return await self._event_from_row(row) if row else None

    async def event_by_name(self, guild_id: int, name: str) -> Event | None:
        async with self.db.reader.execute(
            f"SELECT {self._EVENT_COLUMNS} FROM events WHERE guild_id = ? AND name = ?", (guild_id, name)
        ) as cursor:
            row = await cursor.fetchone()
        return await self._event_from_row(row) if row else None

    async def active_event(self, guild_id: int) -> Event | None:
        async with self.db.reader.execute(
            f"SELECT {self._EVENT_COLUMNS} FROM events WHERE guild_id = ? AND status = 'active' "
            "ORDER BY id DESC LIMIT 1",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return await self._event_from_row(row) if row else None

    async def event_names(self, guild_id: int) -> list[str]:
        async with self.db.reader.execute(
            "SELECT name FROM events WHERE guild_id = ? ORDER BY id", (guild_id,)
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def set_roles(self, event_id: int, roles: EventRoles, staff_may_vote: bool) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE events SET organiser_role_id = ?, facilitator_role_id = ?, staff_role_id = ?, "
                "interpreter_role_id = ?, staff_may_vote = ? WHERE id = ?",
                (
                    roles.organiser,
                    roles.facilitator,
                    roles.staff,
                    roles.interpreter,
                    int(staff_may_vote),
                    event_id,
                ),
            )

    async def set_language(self, event_id: int, language: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE events SET language = ? WHERE id = ?", (language, event_id))

    async def close_event(self, event_id: int) -> None:
        async with self.db.transaction() as conn:
            now = _iso(self.clock())
            await conn.execute(
                "UPDATE rounds SET status = 'closed', closed_at = ? WHERE event_id = ? AND status = 'open'",
                (now, event_id),
            )
            await conn.execute(
                "UPDATE events SET status = 'closed', closed_at = ? WHERE id = ?", (now, event_id)
            )

    # --- merge rules ------------------------------------------------------------------------

    async def merge_rules(self, event_id: int) -> list[MergeRule]:
        async with self.db.reader.execute(
            "SELECT source, target, note FROM merge_rules WHERE event_id = ? ORDER BY position, source, target",
            (event_id,),
        ) as cursor:
            return [MergeRule(s, t, n) for s, t, n in await cursor.fetchall()]

    async def add_merge_rule(self, event_id: int, rule: MergeRule) -> None:
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM merge_rules WHERE event_id = ? AND source = ? AND target = ?",
                (event_id, rule.source, rule.target),
            ) as cursor:
                if await cursor.fetchone():
                    raise UserError(
                        "The merge rule {source} -> {target} already exists.",
                        source=rule.source,
                        target=rule.target,
                    )
            await conn.execute(
                "INSERT INTO merge_rules (event_id, source, target, note, position) VALUES "
                "(?, ?, ?, ?, (SELECT COALESCE(MAX(position), -1) + 1 FROM merge_rules WHERE event_id = ?))",
                (event_id, rule.source, rule.target, rule.note, event_id),
            )

    async def remove_merge_rule(self, event_id: int, source: int, target: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM merge_rules WHERE event_id = ? AND source = ? AND target = ?",
                (event_id, source, target),
            )
            return cursor.rowcount > 0

    # --- rooms ------------------------------------------------------------------------------

    async def add_room(self, event_id: int, name: str, channel_id: int | None) -> Room:
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT name, channel_id FROM rooms WHERE event_id = ? AND (name = ? OR channel_id = ?)",
                (event_id, name, channel_id),
            ) as cursor:
                clash = await cursor.fetchone()
            if clash:
                if channel_id is not None and clash[1] == channel_id:
                    raise UserError("That channel is already the breakout room {name}.", name=clash[0])
                raise UserError("There is already a breakout room called {name}.", name=name)
            cursor = await conn.execute(
                "INSERT INTO rooms (event_id, name, channel_id) VALUES (?, ?, ?)",
                (event_id, name, channel_id),
            )
            return Room(cursor.lastrowid or 0, event_id, name, channel_id)

    async def remove_room(self, event_id: int, channel_id: int) -> Room | None:
        """Detach a room from its channel; its ballots stay attributed to it by name."""
        room = await self.room_for_channel(event_id, channel_id)
        if room is None:
            return None
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE rooms SET channel_id = NULL WHERE id = ?", (room.id,))
        return room

    async def rooms(self, event_id: int, *, attached_only: bool = False) -> list[Room]:
        query = "SELECT id, event_id, name, channel_id FROM rooms WHERE event_id = ?"
        if attached_only:
            query += " AND channel_id IS NOT NULL"
        async with self.db.reader.execute(query + " ORDER BY id", (event_id,)) as cursor:
            return [Room(*row) for row in await cursor.fetchall()]

    async def room_for_channel(self, event_id: int, channel_id: int) -> Room | None:
        async with self.db.reader.execute(
            "SELECT id, event_id, name, channel_id FROM rooms WHERE event_id = ? AND channel_id = ?",
            (event_id, channel_id),
        ) as cursor:
            row = await cursor.fetchone()
        return Room(*row) if row else None

    async def room_by_name(self, event_id: int, name: str) -> Room | None:
        async with self.db.reader.execute(
            "SELECT id, event_id, name, channel_id FROM rooms WHERE event_id = ? AND name = ?",
            (event_id, name),
        ) as cursor:
            row = await cursor.fetchone()
        return Room(*row) if row else None

    # --- rounds -----------------------------------------------------------------------------

    _ROUND_COLUMNS = "id, event_id, name, min_picks, max_picks, status, results_visibility, opened_at, closes_at, closed_at"

    @staticmethod
    def _round_from_row(row: Sequence[Any]) -> Round:
        rid, event_id, name, min_picks, max_picks, status, visibility, opened, closes, closed = row
        return Round(
            rid, event_id, name, PickLimits(min_picks, max_picks), status, visibility,
            datetime.fromisoformat(opened), _parse(closes), _parse(closed),
        )  # fmt: skip

    async def open_round(
        self,
        event_id: int,
        name: str,
        limits: PickLimits,
        results_visibility: str = "live",
        closes_at: datetime | None = None,
    ) -> Round:
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT name FROM rounds WHERE event_id = ? AND status = 'open'", (event_id,)
            ) as cursor:
                current = await cursor.fetchone()
            if current:
                raise UserError("The round {name} is still open; close it first.", name=current[0])
            async with conn.execute(
                "SELECT 1 FROM rounds WHERE event_id = ? AND name = ?", (event_id, name)
            ) as cursor:
                if await cursor.fetchone():
                    raise UserError("This event already has a round called {name}.", name=name)
            cursor = await conn.execute(
                "INSERT INTO rounds (event_id, name, min_picks, max_picks, results_visibility, opened_at, closes_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (event_id, name, limits.min_picks, limits.max_picks, results_visibility, _iso(self.clock()),
                 _iso(closes_at)),
            )  # fmt: skip
            round_id = cursor.lastrowid
        found = await self.round_by_id(event_id, round_id or 0)
        assert found is not None
        return found

    async def ensure_round(self, event_id: int, name: str, limits: PickLimits) -> Round:
        """The round called ``name`` (created closed-to-Discord for imports if missing)."""
        existing = await self.round_by_name(event_id, name)
        if existing:
            return existing
        async with self.db.transaction() as conn:
            now = _iso(self.clock())
            cursor = await conn.execute(
                "INSERT INTO rounds (event_id, name, min_picks, max_picks, status, opened_at, closed_at) "
                "VALUES (?, ?, ?, ?, 'closed', ?, ?)",
                (event_id, name, limits.min_picks, limits.max_picks, now, now),
            )
            round_id = cursor.lastrowid
        found = await self.round_by_id(event_id, round_id or 0)
        assert found is not None
        return found

    async def round_by_id(self, event_id: int, round_id: int) -> Round | None:
        async with self.db.reader.execute(
            f"SELECT {self._ROUND_COLUMNS} FROM rounds WHERE event_id = ? AND id = ?", (event_id, round_id)
        ) as cursor:
            row = await cursor.fetchone()
        return self._round_from_row(row) if row else None

    async def round_by_name(self, event_id: int, name: str) -> Round | None:
        async with self.db.reader.execute(
            f"SELECT {self._ROUND_COLUMNS} FROM rounds WHERE event_id = ? AND name = ?", (event_id, name)
        ) as cursor:
            row = await cursor.fetchone()
        return self._round_from_row(row) if row else None

    async def open_round_of(self, event_id: int) -> Round | None:
        async with self.db.reader.execute(
            f"SELECT {self._ROUND_COLUMNS} FROM rounds WHERE event_id = ? AND status = 'open'", (event_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return self._round_from_row(row) if row else None

    async def rounds(self, event_id: int) -> list[Round]:
        async with self.db.reader.execute(
            f"SELECT {self._ROUND_COLUMNS} FROM rounds WHERE event_id = ? ORDER BY id", (event_id,)
        ) as cursor:
            return [self._round_from_row(row) for row in await cursor.fetchall()]

    async def latest_round(self, event_id: int) -> Round | None:
        rounds = await self.rounds(event_id)
        return rounds[-1] if rounds else None

    async def close_round(self, round_id: int, when: datetime | None = None) -> bool:
        """Close an open round; False if it was already closed (e.g. by its schedule)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE rounds SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
                (_iso(when or self.clock()), round_id),
            )
            return cursor.rowcount > 0

    async def scheduled_closes(self) -> list[tuple[int, int, Round]]:
        """(guild id, event id, round) for every open round with a scheduled close, soonest first."""
        async with self.db.reader.execute(
            f"SELECT e.guild_id, {', '.join('r.' + c.strip() for c in self._ROUND_COLUMNS.split(','))} "
            "FROM rounds r JOIN events e ON e.id = r.event_id "
            "WHERE r.status = 'open' AND r.closes_at IS NOT NULL ORDER BY r.closes_at",
        ) as cursor:
            rows = await cursor.fetchall()
        return [(row[0], row[2], self._round_from_row(row[1:])) for row in rows]

    # --- ballots ----------------------------------------------------------------------------

    async def change_ballot(
        self,
        round_id: int,
        voter: str,
        room_id: int | None,
        action: str,
        new_picks: Callable[[frozenset[int]], frozenset[int]],
    ) -> BallotChange:
        """Read, change and store one ballot; return only once the change is committed.

        ``new_picks`` gets the current picks (empty for a new ballot) and returns the picks to
        store (none: the ballot is withdrawn), raising a UserError to refuse. Changes are applied
        one after the other even when they arrive together (a double click, /pick racing the
        ballot view), and concurrent changes share one transaction (see db/ballot_writer.py).
        The round must still be open when the change commits.
        """
        return await self._ballot_writer.change(round_id, voter, room_id, action, new_picks)

    async def _write_ballot(
        self,
        conn: aiosqlite.Connection,
        round_id: int,
        voter: str,
        room_id: int | None,
        picks: frozenset[int],
        now: datetime,
        existing: Sequence[Any] | None,
    ) -> int:
        if existing and not picks:
            # A ballot left with no picks is withdrawn rather than stored empty.
            await conn.execute("DELETE FROM ballots WHERE id = ?", (existing[0],))
            return int(existing[0])
        if existing:
            ballot_id = int(existing[0])
            await conn.execute(
                "UPDATE ballots SET room_id = ?, updated_at = ? WHERE id = ?", (room_id, _iso(now), ballot_id)
            )
            await conn.execute("DELETE FROM ballot_picks WHERE ballot_id = ?", (ballot_id,))
        else:
            cursor = await conn.execute(
                "INSERT INTO ballots (round_id, voter, room_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (round_id, voter, room_id, _iso(now), _iso(now)),
            )
            ballot_id = cursor.lastrowid or 0
        await conn.executemany(
            "INSERT INTO ballot_picks (ballot_id, initiative) VALUES (?, ?)",
            [(ballot_id, p) for p in sorted(picks)],
        )
        return ballot_id

    @staticmethod
    async def _audit_ballot(
        conn: aiosqlite.Connection,
        round_id: int,
        voter: str,
        room_id: int | None,
        action: str,
        picks: frozenset[int],
        now: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO ballot_audit (round_id, voter, room_id, action, picks, at) VALUES (?, ?, ?, ?, ?, ?)",
            (round_id, voter, room_id, action, json.dumps(sorted(picks)), _iso(now)),
        )

    async def import_ballots(
        self, event_id: int, round_id: int, ballots: Iterable[Ballot]
    ) -> tuple[int, int]:
        """Store imported ballots in one transaction; (new, replaced). Same ids replace, never add."""
        new = replaced = 0
        async with self.db.transaction() as conn:
            room_ids: dict[str, int] = {}
            async with conn.execute("SELECT name, id FROM rooms WHERE event_id = ?", (event_id,)) as cursor:
                room_ids.update({name: rid for name, rid in await cursor.fetchall()})
            now = self.clock()
            for ballot in ballots:
                room_id = None
                if ballot.room:
                    if ballot.room not in room_ids:
                        cursor = await conn.execute(
                            "INSERT INTO rooms (event_id, name) VALUES (?, ?)", (event_id, ballot.room)
                        )
                        room_ids[ballot.room] = cursor.lastrowid or 0
                    room_id = room_ids[ballot.room]
                async with conn.execute(
                    "SELECT id, created_at FROM ballots WHERE round_id = ? AND voter = ?",
                    (round_id, ballot.voter),
                ) as cursor:
                    existing = await cursor.fetchone()
                await self._write_ballot(conn, round_id, ballot.voter, room_id, ballot.picks, now, existing)
                await self._audit_ballot(conn, round_id, ballot.voter, room_id, "import", ballot.picks, now)
                if existing:
                    replaced += 1
                else:
                    new += 1
        return new, replaced

    async def ballot(self, round_id: int, voter: str) -> StoredBallot | None:
        found = await self.ballots([round_id], voter=voter)
        return found[0] if found else None

    async def ballots(
        self, round_ids: Sequence[int], *, room_id: int | None = None, voter: str | None = None
    ) -> list[StoredBallot]:
        """Ballots of the given rounds (optionally one room or one voter), oldest first."""
        if not round_ids:
            return []
        marks = ", ".join("?" for _ in round_ids)
        where = f"b.round_id IN ({marks})"
        params: list[Any] = list(round_ids)
        if room_id is not None:
            where += " AND b.room_id = ?"
            params.append(room_id)
        if voter is not None:
            where += " AND b.voter = ?"
            params.append(voter)
        query = (
            "SELECT b.id, b.round_id, b.voter, r.name, b.created_at, b.updated_at, p.initiative "
            "FROM ballots b LEFT JOIN rooms r ON r.id = b.room_id "
            "LEFT JOIN ballot_picks p ON p.ballot_id = b.id "
            f"WHERE {where} ORDER BY b.id"
        )
        ballots: list[StoredBallot] = []
        current_id: int | None = None
        picks: list[int] = []
        header: tuple[Any, ...] = ()

        def flush() -> None:
            _, round_id, voter_id, room, created, updated = header
            ballots.append(
                StoredBallot(round_id, voter_id, room, frozenset(picks), datetime.fromisoformat(created),
                             datetime.fromisoformat(updated))
            )  # fmt: skip

        async with self.db.reader.execute(query, params) as cursor:
            async for row in cursor:
                if row[0] != current_id:
                    if current_id is not None:
                        flush()
                    current_id, header, picks = row[0], tuple(row[:6]), []
                if row[6] is not None:
                    picks.append(row[6])
        if current_id is not None:
            flush()
        return ballots

    async def pick_pairs(
        self, round_ids: Sequence[int], *, room_id: int | None = None
    ) -> tuple[list[int], list[int]]:
        """Every pick as (ballot id, initiative), as two columns: the lean path for large tallies."""
        if not round_ids:
            return [], []
        marks = ", ".join("?" for _ in round_ids)
        query = (
            "SELECT p.ballot_id, p.initiative FROM ballot_picks p JOIN ballots b ON b.id = p.ballot_id "
            f"WHERE b.round_id IN ({marks})"
        )
        params: list[Any] = list(round_ids)
        if room_id is not None:
            query += " AND b.room_id = ?"
            params.append(room_id)
        # One fetchall is one hop to aiosqlite's thread; iterating row by row would be 600k hops.
        rows = await self.db.reader.execute_fetchall(query, params)
        ballot_ids = [row[0] for row in rows]
        initiatives = [row[1] for row in rows]
        return ballot_ids, initiatives

    async def ballot_counts_by_room(self, round_id: int) -> dict[str, int]:
        async with self.db.reader.execute(
            "SELECT COALESCE(r.name, ''), COUNT(*) FROM ballots b LEFT JOIN rooms r ON r.id = b.room_id "
            "WHERE b.round_id = ? GROUP BY r.name ORDER BY r.name",
            (round_id,),
        ) as cursor:
            return {name: count for name, count in await cursor.fetchall()}

    async def ballot_history(self, round_id: int, voter: str) -> list[tuple[str, list[int], datetime]]:
        async with self.db.reader.execute(
            "SELECT action, picks, at FROM ballot_audit WHERE round_id = ? AND voter = ? ORDER BY id",
            (round_id, voter),
        ) as cursor:
            return [(a, json.loads(p), datetime.fromisoformat(at)) for a, p, at in await cursor.fetchall()]

    # --- drafts (picks chosen in a ballot message, not yet submitted) -----------------------

    async def draft(self, round_id: int, voter: str) -> frozenset[int] | None:
        async with self.db.reader.execute(
            "SELECT picks FROM ballot_drafts WHERE round_id = ? AND voter = ?", (round_id, voter)
        ) as cursor:
            row = await cursor.fetchone()
        return frozenset(json.loads(row[0])) if row else None

    async def save_draft(self, round_id: int, voter: str, picks: frozenset[int]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO ballot_drafts (round_id, voter, picks) VALUES (?, ?, ?) "
                "ON CONFLICT (round_id, voter) DO UPDATE SET picks = excluded.picks",
                (round_id, voter, json.dumps(sorted(picks))),
            )

    # --- personal language -----------------------------------------------------------------

    async def user_language(self, guild_id: int, user_id: int) -> str | None:
        async with self.db.reader.execute(
            "SELECT language FROM user_languages WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def set_user_language(self, guild_id: int, user_id: int, language: str | None) -> None:
        async with self.db.transaction() as conn:
            if language is None:
                await conn.execute(
                    "DELETE FROM user_languages WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
                )
            else:
                await conn.execute(
                    "INSERT INTO user_languages (guild_id, user_id, language) VALUES (?, ?, ?) "
                    "ON CONFLICT (guild_id, user_id) DO UPDATE SET language = excluded.language",
                    (guild_id, user_id, language),
                )

    # --- audit log and panels ---------------------------------------------------------------

    async def log_action(self, event_id: int, actor: str, action: str, detail: str = "") -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO audit_log (event_id, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)",
                (event_id, actor, action, detail, _iso(self.clock())),
            )

    async def audit_entries(self, event_id: int) -> list[tuple[str, str, str]]:
        async with self.db.reader.execute(
            "SELECT actor, action, detail FROM audit_log WHERE event_id = ? ORDER BY id", (event_id,)
        ) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]  # type: ignore[misc]

    async def add_panel(self, message_id: int, channel_id: int, round_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO panels (message_id, channel_id, round_id) VALUES (?, ?, ?)",
                (message_id, channel_id, round_id),
            )
