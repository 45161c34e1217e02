from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.domain.ballots import PickLimits
from bot.domain.catalogue import Catalogue
from bot.domain.errors import UserError
from db.repositories import Repository


async def open_round(repo: Repository, catalogue: Catalogue) -> int:
    event = await repo.create_event(7, "GC", catalogue, "builtin")
    room = await repo.add_room(event.id, "Room", 70)
    round_ = await repo.open_round(event.id, "R", PickLimits(1, 6))
    assert room.id
    return round_.id


async def test_a_burst_is_written_in_few_transactions_and_every_change_is_answered(
    repo: Repository, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_id = await open_round(repo, catalogue)
    transactions = 0
    original = repo.db.transaction

    def counting_transaction():
        nonlocal transactions
        transactions += 1
        return original()

    monkeypatch.setattr(repo.db, "transaction", counting_transaction)
    changes = await asyncio.gather(
        *(
            repo.change_ballot(round_id, f"v{i}", None, "submit", lambda _, i=i: frozenset({1 + i % 45}))
            for i in range(300)
        )
    )
    assert [c.ballot.voter for c in changes] == [f"v{i}" for i in range(300)]
    assert transactions <= 3  # group commit: not one transaction per ballot
    stored = {b.voter: b.picks for b in await repo.ballots([round_id])}
    assert stored == {f"v{i}": frozenset({1 + i % 45}) for i in range(300)}


async def test_changes_to_one_ballot_in_a_batch_apply_in_order(
    repo: Repository, catalogue: Catalogue
) -> None:
    round_id = await open_round(repo, catalogue)
    first, second, third = await asyncio.gather(
        repo.change_ballot(round_id, "v", None, "pick", lambda old: old | {1}),
        repo.change_ballot(round_id, "v", None, "pick", lambda old: old | {2}),
        repo.change_ballot(round_id, "v", None, "unpick", lambda old: old - {1}),
    )
    assert first.previous_picks is None and first.ballot.picks == {1}
    assert second.previous_picks == {1} and second.ballot.picks == {1, 2}
    assert third.previous_picks == {1, 2} and third.ballot.picks == {2}
    assert (await repo.ballot(round_id, "v")).picks == {2}
    assert [a for a, _, _ in await repo.ballot_history(round_id, "v")] == ["pick", "pick", "unpick"]


async def test_a_refusal_in_a_batch_touches_only_its_own_change(
    repo: Repository, catalogue: Catalogue
) -> None:
    round_id = await open_round(repo, catalogue)

    def refuse(_: frozenset[int]) -> frozenset[int]:
        raise UserError("no")

    outcomes = await asyncio.gather(
        repo.change_ballot(round_id, "a", None, "submit", lambda _: frozenset({3})),
        repo.change_ballot(round_id, "b", None, "submit", refuse),
        repo.change_ballot(round_id, "c", None, "submit", lambda _: frozenset({4})),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], UserError)
    assert {b.voter for b in await repo.ballots([round_id])} == {"a", "c"}
    assert await repo.ballot_history(round_id, "b") == []


async def test_a_database_failure_acknowledges_nobody_in_the_batch(
    repo: Repository, catalogue: Catalogue
) -> None:
    round_id = await open_round(repo, catalogue)
    await repo.change_ballot(round_id, "kept", None, "submit", lambda _: frozenset({1}))
    # Make SQLite itself fail while writing voter b (as a full disk would).
    with sqlite3.connect(repo.db.path) as conn:
        conn.execute(
            "CREATE TRIGGER fail_for_b BEFORE INSERT ON ballots WHEN NEW.voter = 'b' "
            "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
        )
    outcomes = await asyncio.gather(
        repo.change_ballot(round_id, "a", None, "submit", lambda _: frozenset({2})),
        repo.change_ballot(round_id, "b", None, "submit", lambda _: frozenset({3})),
        return_exceptions=True,
    )
    assert all(isinstance(o, sqlite3.DatabaseError) for o in outcomes)
    assert {b.voter for b in await repo.ballots([round_id])} == {"kept"}
    assert await repo.ballot_history(round_id, "a") == []
    # the writer recovers: the next change goes through
    await repo.change_ballot(round_id, "c", None, "submit", lambda _: frozenset({4}))
    assert {b.voter for b in await repo.ballots([round_id])} == {"kept", "c"}


async def test_a_closed_round_refuses_queued_changes(repo: Repository, catalogue: Catalogue) -> None:
    round_id = await open_round(repo, catalogue)
    await repo.close_round(round_id)
    with pytest.raises(UserError, match="closed"):
        await repo.change_ballot(round_id, "late", None, "submit", lambda _: frozenset({1}))
