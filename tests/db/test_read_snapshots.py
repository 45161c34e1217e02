"""Reads on the shared reader connection see every commit that finished before them.

Under load many coroutines read through one connection at once. A statement left open across an
``await`` used to keep that connection inside one read transaction, so a draft or a ballot read
back right after the writer committed it could come out as it was before: voters were shown, and
then stored, a shorter ballot than the one they chose.
"""

from __future__ import annotations

import asyncio
import random

from bot.domain.ballots import PickLimits
from bot.domain.catalogue import Catalogue
from db.connection import Database
from db.live_tallies import LiveTallyRepository
from db.repositories import Repository


async def open_round(repo: Repository, catalogue: Catalogue) -> int:
    event = await repo.create_event(7, "GC", catalogue, "builtin")
    await repo.add_room(event.id, "Room", 70)
    round_ = await repo.open_round(event.id, "R", PickLimits(1, 6))
    return round_.id


async def test_a_commit_is_visible_to_the_next_read_while_another_read_is_in_flight(
    repo: Repository, catalogue: Catalogue
) -> None:
    round_id = await open_round(repo, catalogue)
    await repo.save_draft(round_id, "alice", frozenset({1}))
    # Another coroutine is half-way through a multi-row read (as a tally or a listing would be).
    async with repo.db.reader.execute("SELECT number FROM initiatives") as rows:
        first = await rows.fetchone()
        assert first is not None
        await repo.save_draft(round_id, "alice", frozenset({1, 2, 3}))
        assert await repo.draft(round_id, "alice") == {1, 2, 3}
        assert len(await rows.fetchall()) == len(catalogue.initiatives) - 1


async def test_many_voters_read_back_exactly_what_they_just_committed(
    repo: Repository, catalogue: Catalogue
) -> None:
    round_id = await open_round(repo, catalogue)
    numbers = [i.number for i in catalogue.initiatives]
    stop = asyncio.Event()
    mismatches: list[str] = []

    async def busy_reader() -> None:
        # Row-by-row readers keep statements in flight on the shared connection all the time.
        while not stop.is_set():
            async with repo.db.reader.execute("SELECT voter, picks FROM ballot_drafts") as rows:
                async for _ in rows:
                    await asyncio.sleep(0)
            await asyncio.sleep(0)

    async def voter(name: str, rng: random.Random) -> None:
        chosen: frozenset[int] = frozenset()
        for step in range(4):
            chosen = frozenset(rng.sample(numbers, step + 3))
            await repo.save_draft(round_id, name, chosen)
            seen = await repo.draft(round_id, name)
            if seen != chosen:
                mismatches.append(f"{name} draft {sorted(chosen)} read back as {sorted(seen or ())}")
        change = await repo.change_ballot(round_id, name, None, "submit", lambda _: chosen)
        stored = await repo.ballot(round_id, name)
        if not (change.ballot.picks == chosen == (stored.picks if stored else None)):
            mismatches.append(f"{name} chose {sorted(chosen)}, stored {stored}")

    readers = [asyncio.create_task(busy_reader()) for _ in range(8)]
    try:
        await asyncio.gather(*(voter(f"v{i}", random.Random(i)) for i in range(200)))
    finally:
        stop.set()
        await asyncio.gather(*readers)
    assert mismatches == []


async def test_adding_a_live_tally_under_concurrent_reads_returns_the_stored_row(
    db: Database, repo: Repository, catalogue: Catalogue
) -> None:
    round_id = await open_round(repo, catalogue)
    event = await repo.active_event(7)
    assert event is not None
    tallies = LiveTallyRepository(db)
    async with db.reader.execute("SELECT number FROM initiatives") as rows:
        await rows.fetchone()
        added = await asyncio.gather(
            *(tallies.add(1000 + i, 7, 70, event.id, round_id, None, "0:0") for i in range(50))
        )
    assert [tally.message_id for tally in added] == [1000 + i for i in range(50)]
    assert len(await tallies.active()) == 50
