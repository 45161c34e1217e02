from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.domain.ballots import Ballot, PickLimits
from bot.domain.catalogue import Catalogue, MergeRule
from bot.domain.errors import UserError
from bot.domain.event import EventRoles
from db.connection import Database, migration_scripts
from db.repositories import Repository

GUILD = 111


async def test_migrations_set_user_version_and_pragmas(db: Database) -> None:
    assert await db.schema_version() == len(migration_scripts())
    async with db.reader.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    async with db.reader.execute("PRAGMA foreign_keys") as cursor:
        assert (await cursor.fetchone())[0] == 1
    assert await db.integrity_check() == "ok"


async def test_reopening_does_not_reapply_migrations(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "again.sqlite3"
    async with await Database.open(path) as first:
        await Repository(first).create_event(GUILD, "Kept", catalogue, "builtin:movement-strategy-2020")
    async with await Database.open(path) as second:
        assert await Repository(second).event_names(GUILD) == ["Kept"]


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(RuntimeError, match="newer than this prioritybot"):
        await Database.open(path)


async def test_event_round_trip_keeps_the_catalogue(repo: Repository, catalogue: Catalogue) -> None:
    event = await repo.create_event(GUILD, "GC", catalogue, "builtin:movement-strategy-2020")
    assert event.catalogue.initiatives == catalogue.initiatives
    assert event.catalogue.merge_rules == catalogue.merge_rules
    assert (await repo.active_event(GUILD)).id == event.id


async def test_events_are_scoped_by_guild(repo: Repository, catalogue: Catalogue) -> None:
    await repo.create_event(GUILD, "Same name", catalogue, "builtin")
    other = await repo.create_event(222, "Same name", catalogue, "builtin")
    assert (await repo.event_by_name(222, "Same name")).id == other.id
    assert await repo.event_by_id(GUILD, other.id) is None
    assert await repo.active_event(333) is None


async def test_one_active_event_per_guild(repo: Repository, catalogue: Catalogue) -> None:
    first = await repo.create_event(GUILD, "One", catalogue, "builtin")
    with pytest.raises(UserError, match="still active"):
        await repo.create_event(GUILD, "Two", catalogue, "builtin")
    await repo.close_event(first.id)
    await repo.create_event(GUILD, "Two", catalogue, "builtin")


async def test_roles_merge_rules_and_rooms(repo: Repository, catalogue: Catalogue) -> None:
    event = await repo.create_event(GUILD, "GC", catalogue, "builtin")
    await repo.set_roles(event.id, EventRoles(1, 2, 3, 4), staff_may_vote=True)
    await repo.add_merge_rule(event.id, MergeRule(5, 6, "similar"))
    with pytest.raises(UserError, match="already exists"):
        await repo.add_merge_rule(event.id, MergeRule(5, 6))
    reloaded = await repo.event_by_id(GUILD, event.id)
    assert reloaded.roles == EventRoles(1, 2, 3, 4)
    assert reloaded.staff_may_vote
    assert [(r.source, r.target) for r in reloaded.catalogue.merge_rules] == [(23, 24), (5, 6)]
    assert await repo.remove_merge_rule(event.id, 23, 24)
    assert not await repo.remove_merge_rule(event.id, 23, 24)

    room = await repo.add_room(event.id, "Arabic", 900)
    with pytest.raises(UserError, match="already the breakout room Arabic"):
        await repo.add_room(event.id, "Other", 900)
    with pytest.raises(UserError, match="already a breakout room called Arabic"):
        await repo.add_room(event.id, "Arabic", 901)
    assert await repo.room_for_channel(event.id, 900) == room
    await repo.remove_room(event.id, 900)
    assert await repo.room_for_channel(event.id, 900) is None
    assert await repo.room_by_name(event.id, "Arabic") is not None  # kept for its ballots


async def test_ballot_changes_replace_picks_and_are_audited(repo: Repository, catalogue: Catalogue) -> None:
    event = await repo.create_event(GUILD, "GC", catalogue, "builtin")
    room = await repo.add_room(event.id, "French", 10)
    round_ = await repo.open_round(event.id, "R1", PickLimits(1, 6))
    first = await repo.change_ballot(round_.id, "u1", room.id, "cast", lambda _: frozenset({1, 2}))
    assert first.previous_picks is None
    second = await repo.change_ballot(round_.id, "u1", room.id, "change", lambda old: old | {3})
    assert second.previous_picks == {1, 2}
    assert (await repo.ballot(round_.id, "u1")).picks == {1, 2, 3}
    assert [entry[0] for entry in await repo.ballot_history(round_.id, "u1")] == ["cast", "change"]
    assert await repo.ballot_counts_by_room(round_.id) == {"French": 1}
    # an emptied ballot is withdrawn
    await repo.change_ballot(round_.id, "u1", room.id, "unpick", lambda _: frozenset())
    assert await repo.ballot(round_.id, "u1") is None


async def test_a_refused_change_stores_nothing(repo: Repository, catalogue: Catalogue) -> None:
    event = await repo.create_event(GUILD, "GC", catalogue, "builtin")
    round_ = await repo.open_round(event.id, "R1", PickLimits(1, 6))
    await repo.change_ballot(round_.id, "u1", None, "cast", lambda _: frozenset({1}))

    def refuse(_: frozenset[int]) -> frozenset[int]:
        raise UserError("no")

    with pytest.raises(UserError):
        await repo.change_ballot(round_.id, "u1", None, "change", refuse)
    assert (await repo.ballot(round_.id, "u1")).picks == {1}
    assert len(await repo.ballot_history(round_.id, "u1")) == 1


async def test_closed_rounds_refuse_ballots(repo: Repository, catalogue: Catalogue) -> None:
    event = await repo.create_event(GUILD, "GC", catalogue, "builtin")
    round_ = await repo.open_round(event.id, "R1", PickLimits(1, 6))
    with pytest.raises(UserError, match="still open"):
        await repo.open_round(event.id, "R2", PickLimits(1, 6))
    assert await repo.close_round(round_.id)
    assert not await repo.close_round(round_.id)
    with pytest.raises(UserError, match="closed"):
        await repo.change_ballot(round_.id, "u1", None, "cast", lambda _: frozenset({1}))
    assert await repo.ballots([round_.id]) == []


async def test_concurrent_changes_to_one_ballot_are_serialised(
    repo: Repository, catalogue: Catalogue
) -> None:
    event = await repo.create_event(GUILD, "GC", catalogue, "builtin")
    round_ = await repo.open_round(event.id, "R1", PickLimits(1, 3))

    def add(number: int):
        def change(old: frozenset[int]) -> frozenset[int]:
            if len(old | {number}) > 3:
                raise UserError("too many")
            return old | {number}

        return change

    outcomes = await asyncio.gather(
        *(repo.change_ballot(round_.id, "u1", None, "pick", add(n)) for n in range(1, 7)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 3
    stored = await repo.ballots([round_.id])
    assert len(stored) == 1
    assert len(stored[0].picks) == 3


async def test_import_is_idempotent(repo: Repository, catalogue: Catalogue) -> None:
    event = await repo.create_event(0, "Offline", catalogue, "builtin")
    round_ = await repo.ensure_round(event.id, "Imported", PickLimits(1, None))
    ballots = [Ballot("b1", frozenset({1, 2}), "A"), Ballot("b2", frozenset({3}), "B")]
    assert await repo.import_ballots(event.id, round_.id, ballots) == (2, 0)
    assert await repo.import_ballots(event.id, round_.id, ballots) == (0, 2)
    stored = await repo.ballots([round_.id])
    assert sorted((b.voter, b.room, b.picks) for b in stored) == [
        ("b1", "A", frozenset({1, 2})),
        ("b2", "B", frozenset({3})),
    ]


async def test_backup_is_a_consistent_copy(
    repo: Repository, db: Database, catalogue: Catalogue, tmp_path: Path
) -> None:
    await repo.create_event(GUILD, "GC", catalogue, "builtin")
    target = tmp_path / "copy.sqlite3"
    await db.backup_to(target)
    async with await Database.open(target) as copy:
        assert await Repository(copy).event_names(GUILD) == ["GC"]
        assert await copy.integrity_check() == "ok"
