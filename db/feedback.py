"""Attendance and the feedback survey: typed access to their tables (migration 003).

Attendance rows are written by the bot when it sees a member (a voice join, a check-in); ballot
attendance is read from the ballots themselves. Survey writes check the survey's state inside the
same transaction, so a response can never be stored after the survey closed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.domain.attendance import Presence
from bot.domain.errors import UserError
from bot.domain.feedback import DEFAULT_SURVEY, Answers, Survey, survey_from_data, survey_to_data
from db.connection import Database


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


# --- attendance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceRoom:
    """A breakout room of a guild's active event, found by its voice channel."""

    event_id: int
    room_id: int


class AttendanceRepository:
    def __init__(self, db: Database, clock: Callable[[], datetime] = _utcnow) -> None:
        self.db = db
        self.clock = clock

    async def active_event_id(self, guild_id: int) -> int | None:
        """The active event's id only: this runs on every interaction, so no catalogue is loaded."""
        async with self.db.reader.execute(
            "SELECT id FROM events WHERE guild_id = ? AND status = 'active' ORDER BY id DESC LIMIT 1",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def room_of_channel(self, guild_id: int, channel_id: int) -> VoiceRoom | None:
        async with self.db.reader.execute(
            "SELECT e.id, r.id FROM rooms r JOIN events e ON e.id = r.event_id "
            "WHERE e.guild_id = ? AND e.status = 'active' AND r.channel_id = ? ORDER BY e.id DESC LIMIT 1",
            (guild_id, channel_id),
        ) as cursor:
            row = await cursor.fetchone()
        return VoiceRoom(int(row[0]), int(row[1])) if row else None

    async def record(
        self,
        event_id: int,
        user_id: str,
        room_id: int | None,
        source: str,
        role_ids: Collection[int] | None,
    ) -> bool:
        """Note that a member took part (and their roles); False if this sighting was already known."""
        now = self.clock()
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO attendance (event_id, user_id, day, room_id, source, first_seen) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (event_id, user_id, day_of(now), room_id, source, _iso(now)),
            )
            if role_ids is not None:
                await self._upsert_roles(conn, event_id, user_id, role_ids, now)
            return cursor.rowcount > 0

    async def record_roles(self, event_id: int, user_id: str, role_ids: Collection[int]) -> None:
        async with self.db.transaction() as conn:
            await self._upsert_roles(conn, event_id, user_id, role_ids, self.clock())

    @staticmethod
    async def _upsert_roles(
        conn: aiosqlite.Connection, event_id: int, user_id: str, role_ids: Collection[int], now: datetime
    ) -> None:
        await conn.execute(
            "INSERT INTO attendee_roles (event_id, user_id, role_ids, seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (event_id, user_id) DO UPDATE SET role_ids = excluded.role_ids, "
            "seen_at = excluded.seen_at",
            (event_id, user_id, json.dumps(sorted(role_ids)), _iso(now)),
        )

    async def member_roles(self, event_id: int) -> dict[str, frozenset[int]]:
        """The roles each member held when last seen."""
        async with self.db.reader.execute(
            "SELECT user_id, role_ids FROM attendee_roles WHERE event_id = ?", (event_id,)
        ) as cursor:
            return {user: frozenset(json.loads(roles)) for user, roles in await cursor.fetchall()}

    _BALLOT_PRESENCES = (
        # Every ballot change is audited, so a ballot withdrawn later still shows its voter took
        # part; imports are offline data, not presence.
        "SELECT a.voter, substr(a.at, 1, 10), a.room_id FROM ballot_audit a "
        "JOIN rounds r ON r.id = a.round_id WHERE r.event_id = ? AND a.action != 'import' {voter} "
        "UNION "
        "SELECT b.voter, substr(b.created_at, 1, 10), b.room_id FROM ballots b "
        "JOIN rounds r ON r.id = b.round_id WHERE r.event_id = ? {ballot_voter}"
    )

    async def presences(self, event_id: int) -> list[Presence]:
        """Every distinct sighting: recorded voice joins and check-ins, and ballots."""
        found: list[Presence] = []
        async with self.db.reader.execute(
            "SELECT DISTINCT user_id, day, room_id, source FROM attendance WHERE event_id = ?", (event_id,)
        ) as cursor:
            found += [
                Presence(user, day, room, source) for user, day, room, source in await cursor.fetchall()
            ]
        query = self._BALLOT_PRESENCES.format(voter="", ballot_voter="")
        async with self.db.reader.execute(query, (event_id, event_id)) as cursor:
            found += [Presence(user, day, room, "ballot") for user, day, room in await cursor.fetchall()]
        return found

    async def has_taken_part(self, event_id: int, user_id: str) -> bool:
        async with self.db.reader.execute(
            "SELECT 1 FROM attendance WHERE event_id = ? AND user_id = ? LIMIT 1", (event_id, user_id)
        ) as cursor:
            if await cursor.fetchone():
                return True
        query = self._BALLOT_PRESENCES.format(voter="AND a.voter = ?", ballot_voter="AND b.voter = ?")
        async with self.db.reader.execute(
            query + " LIMIT 1", (event_id, user_id, event_id, user_id)
        ) as cursor:
            return await cursor.fetchone() is not None


# --- the survey ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyState:
    event_id: int
    guild_id: int
    survey: Survey
    source: str  # "" for the built-in questions
    status: str  # "draft" (never opened), "open" or "closed"
    opened_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    channel_id: int | None
    message_id: int | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class StoredResponse:
    user_id: str
    answers: dict[str, str]
    rating: int | None
    first_submitted_at: datetime
    submitted_at: datetime


_SURVEY_COLUMNS = (
    "s.event_id, e.guild_id, s.questions, s.source, s.status, s.opened_at, s.closes_at, s.closed_at, "
    "s.channel_id, s.message_id"
)


def _survey_state(row: Sequence[Any]) -> SurveyState:
    event_id, guild_id, questions, source, status, opened, closes, closed, channel_id, message_id = row
    survey = survey_from_data(json.loads(questions)) if questions else DEFAULT_SURVEY
    return SurveyState(
        event_id, guild_id, survey, source, status, _parse(opened), _parse(closes), _parse(closed),
        channel_id, message_id,
    )  # fmt: skip


def _response(row: Sequence[Any]) -> StoredResponse:
    user_id, answers, rating, first, last = row
    return StoredResponse(
        user_id, json.loads(answers), rating, datetime.fromisoformat(first), datetime.fromisoformat(last)
    )


class FeedbackRepository:
    def __init__(self, db: Database, clock: Callable[[], datetime] = _utcnow) -> None:
        self.db = db
        self.clock = clock

    async def state(self, event_id: int) -> SurveyState | None:
        async with self.db.reader.execute(
            f"SELECT {_SURVEY_COLUMNS} FROM feedback_surveys s JOIN events e ON e.id = s.event_id "
            "WHERE s.event_id = ?",
            (event_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return _survey_state(row) if row else None

    async def open_surveys(self, guild_id: int) -> list[SurveyState]:
        """The guild's open surveys, the newest event first (a survey can outlive its event)."""
        async with self.db.reader.execute(
            f"SELECT {_SURVEY_COLUMNS} FROM feedback_surveys s JOIN events e ON e.id = s.event_id "
            "WHERE e.guild_id = ? AND s.status = 'open' ORDER BY s.event_id DESC",
            (guild_id,),
        ) as cursor:
            return [_survey_state(row) for row in await cursor.fetchall()]

    async def scheduled_closes(self) -> list[SurveyState]:
        async with self.db.reader.execute(
            f"SELECT {_SURVEY_COLUMNS} FROM feedback_surveys s JOIN events e ON e.id = s.event_id "
            "WHERE s.status = 'open' AND s.closes_at IS NOT NULL ORDER BY s.closes_at",
        ) as cursor:
            return [_survey_state(row) for row in await cursor.fetchall()]

    async def set_questions(self, event_id: int, survey: Survey | None, source: str) -> None:
        """Replace the question set (None: the built-in one); refused while open or once answered."""
        questions = json.dumps(survey_to_data(survey), ensure_ascii=False) if survey else None
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT status FROM feedback_surveys WHERE event_id = ?", (event_id,)
            ) as cur:
                row = await cur.fetchone()
            if row and row[0] == "open":
                raise UserError("Close the feedback survey before changing its questions.")
            async with conn.execute(
                "SELECT COUNT(*) FROM feedback_responses WHERE event_id = ?", (event_id,)
            ) as cur:
                answered = (await cur.fetchone() or (0,))[0]
            if answered:
                raise UserError(
                    "The questions cannot change: {count} people have already answered them.", count=answered
                )
            await conn.execute("DELETE FROM feedback_drafts WHERE event_id = ?", (event_id,))
            await conn.execute(
                "INSERT INTO feedback_surveys (event_id, questions, source) VALUES (?, ?, ?) "
                "ON CONFLICT (event_id) DO UPDATE SET questions = excluded.questions, source = excluded.source",
                (event_id, questions, source),
            )

    async def open(self, event_id: int, closes_at: datetime | None) -> SurveyState:
        now = self.clock()
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO feedback_surveys (event_id, status, opened_at, closes_at) VALUES (?, 'open', ?, ?) "
                "ON CONFLICT (event_id) DO UPDATE SET status = 'open', opened_at = excluded.opened_at, "
                "closes_at = excluded.closes_at, closed_at = NULL",
                (event_id, _iso(now), _iso(closes_at)),
            )
        found = await self.state(event_id)
        assert found is not None
        return found

    async def set_message(self, event_id: int, channel_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE feedback_surveys SET channel_id = ?, message_id = ? WHERE event_id = ?",
                (channel_id, message_id, event_id),
            )

    async def close(self, event_id: int, scheduled_for: datetime | None = None) -> bool:
        """Close an open survey; with ``scheduled_for``, only if that is still its scheduled close
        (a survey reopened meanwhile with another time is left open). False if nothing closed."""
        query = "UPDATE feedback_surveys SET status = 'closed', closed_at = ? WHERE event_id = ? AND status = 'open'"
        params: list[Any] = [_iso(scheduled_for or self.clock()), event_id]
        if scheduled_for is not None:
            query += " AND closes_at = ?"
            params.append(_iso(scheduled_for))
        async with self.db.transaction() as conn:
            cursor = await conn.execute(query, params)
            return cursor.rowcount > 0

    # --- answers ---

    async def _require_open(self, conn: aiosqlite.Connection, event_id: int) -> None:
        async with conn.execute("SELECT status FROM feedback_surveys WHERE event_id = ?", (event_id,)) as cur:
            row = await cur.fetchone()
        if not row or row[0] != "open":
            raise UserError("The feedback survey is closed; your answers were not saved.")

    async def save_draft(self, event_id: int, user_id: str, answers: dict[str, str]) -> None:
        """Keep the answers of a page until the last page is sent (merged with earlier pages)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            await self._require_open(conn, event_id)
            async with conn.execute(
                "SELECT answers FROM feedback_drafts WHERE event_id = ? AND user_id = ?", (event_id, user_id)
            ) as cur:
                row = await cur.fetchone()
            merged = {**(json.loads(row[0]) if row else {}), **answers}
            await conn.execute(
                "INSERT INTO feedback_drafts (event_id, user_id, answers, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (event_id, user_id) DO UPDATE SET answers = excluded.answers, "
                "updated_at = excluded.updated_at",
                (event_id, user_id, json.dumps(merged, ensure_ascii=False), _iso(now)),
            )

    async def draft(self, event_id: int, user_id: str) -> dict[str, str] | None:
        async with self.db.reader.execute(
            "SELECT answers FROM feedback_drafts WHERE event_id = ? AND user_id = ?", (event_id, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        return json.loads(row[0]) if row else None

    async def save_response(self, event_id: int, user_id: str, answers: Answers) -> bool:
        """Store a complete response (replacing the member's previous one) and drop the draft, in
        one transaction; True if it is their first. Refused if the survey closed meanwhile."""
        now = _iso(self.clock())
        async with self.db.transaction() as conn:
            await self._require_open(conn, event_id)
            cursor = await conn.execute(
                "INSERT INTO feedback_responses (event_id, user_id, answers, rating, first_submitted_at, "
                "submitted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO NOTHING",
                (
                    event_id,
                    user_id,
                    json.dumps(dict(answers.texts), ensure_ascii=False),
                    answers.rating,
                    now,
                    now,
                ),
            )
            first = cursor.rowcount > 0
            if not first:
                await conn.execute(
                    "UPDATE feedback_responses SET answers = ?, rating = ?, submitted_at = ? "
                    "WHERE event_id = ? AND user_id = ?",
                    (
                        json.dumps(dict(answers.texts), ensure_ascii=False),
                        answers.rating,
                        now,
                        event_id,
                        user_id,
                    ),
                )
            await conn.execute(
                "DELETE FROM feedback_drafts WHERE event_id = ? AND user_id = ?", (event_id, user_id)
            )
            return first

    async def response(self, event_id: int, user_id: str) -> StoredResponse | None:
        async with self.db.reader.execute(
            "SELECT user_id, answers, rating, first_submitted_at, submitted_at FROM feedback_responses "
            "WHERE event_id = ? AND user_id = ?",
            (event_id, user_id),
        ) as cursor:
            row = await cursor.fetchone()
        return _response(row) if row else None

    async def responses(self, event_id: int) -> list[StoredResponse]:
        async with self.db.reader.execute(
            "SELECT user_id, answers, rating, first_submitted_at, submitted_at FROM feedback_responses "
            "WHERE event_id = ? ORDER BY submitted_at, user_id",
            (event_id,),
        ) as cursor:
            return [_response(row) for row in await cursor.fetchall()]

    async def latest_survey_event_id(self, guild_id: int) -> int | None:
        """The newest event of the guild that has a survey: organisers reach it after the event closed."""
        async with self.db.reader.execute(
            "SELECT s.event_id FROM feedback_surveys s JOIN events e ON e.id = s.event_id "
            "WHERE e.guild_id = ? ORDER BY s.event_id DESC LIMIT 1",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def guilds_with_event(self, name: str) -> list[int]:
        """Which guilds (0: offline) have an event of this name: for the CLI without --guild."""
        async with self.db.reader.execute(
            "SELECT DISTINCT guild_id FROM events WHERE name = ? ORDER BY guild_id", (name,)
        ) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]
