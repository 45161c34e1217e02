"""Acknowledged means committed: a bot killed with SIGKILL mid-burst loses no acknowledged ballot.

A child process submits ballots through the real service layer, 20 at a time, and prints an ACK
line only after submit_ballot returns (the moment the participant would be told "saved"). The
parent kills it at a random point, reopens the file and checks every acknowledged ballot, then
starts the next child with new voters and re-votes. Five kills in all.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.catalogue import Catalogue
from db.connection import Database
from db.repositories import Repository
from tests.robustness.conftest import (
    GUILD_ID,
    ROOM_CHANNEL_ID,
    ballots_without_picks,
    integrity,
    open_voting,
)

CHILD = Path(__file__).with_name("_crash_child.py")
ITERATIONS = 5
BATCHES = 15
BATCH_SIZE = 20
SEED = 20201121

Picks = frozenset[int]


@dataclass
class ChildLog:
    """What one child said, per voter, in order: ("SUBMIT" | "ACK", picks)."""

    lines: dict[str, list[tuple[str, Picks]]] = field(default_factory=lambda: defaultdict(list))
    acks: int = 0
    done: bool = False


def make_plan(rng: random.Random, iteration: int, known: list[str]) -> list[list[tuple[str, list[int]]]]:
    """Batches of new voters mixed with re-votes (earlier voters, and voters of this very plan)."""
    plan: list[list[tuple[str, list[int]]]] = []
    pool = list(known)
    for batch_index in range(BATCHES):
        batch: dict[str, list[int]] = {}
        while len(batch) < BATCH_SIZE:
            if pool and rng.random() < 0.35:
                voter = rng.choice(pool)
            else:
                voter = f"v{iteration}-{batch_index}-{len(batch)}"
            if voter not in batch:
                batch[voter] = rng.sample(range(1, 46), rng.randint(1, 6))
        pool.extend(voter for voter in batch if voter not in pool)
        plan.append(list(batch.items()))
    return plan


def run_child(db_path: Path, plan_path: Path, kill_after: int) -> ChildLog:
    """Start the child, SIGKILL it right after its ``kill_after``-th ACK, and collect every line."""
    log = ChildLog()
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(db_path), str(plan_path), str(GUILD_ID), str(ROOM_CHANNEL_ID)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    watchdog = threading.Timer(60, child.kill)
    watchdog.start()
    killed = False
    try:
        assert child.stdout is not None
        for line in child.stdout:  # after the kill: the lines already in the pipe, then EOF
            kind, _, rest = line.strip().partition(" ")
            if kind == "DONE":
                log.done = True
            elif kind in ("SUBMIT", "ACK"):
                voter, _, numbers = rest.partition(" ")
                log.lines[voter].append((kind, frozenset(int(n) for n in numbers.split(","))))
                if kind == "ACK":
                    log.acks += 1
            if not killed and (log.acks >= kill_after or log.done):
                os.kill(child.pid, signal.SIGKILL)
                killed = True
        child.wait()
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait()
    stderr = child.stderr.read() if child.stderr else ""
    assert killed and child.returncode == -signal.SIGKILL, (child.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    return log


def allowed_states(before: Picks | None, said: list[tuple[str, Picks]]) -> set[Picks | None]:
    """The last acknowledged picks, or a later submission whose acknowledgement was cut off."""
    last_ack = max((i for i, (kind, _) in enumerate(said) if kind == "ACK"), default=-1)
    allowed: set[Picks | None] = {said[last_ack][1] if last_ack >= 0 else before}
    allowed |= {picks for kind, picks in said[last_ack + 1 :] if kind == "SUBMIT"}
    return allowed


async def stored_state(db_path: Path) -> dict[str, Picks]:
    """Reopen the file as the restarted bot would (migrations, WAL recovery) and read every ballot."""
    async with await Database.open(db_path) as db:
        assert await db.integrity_check() == "ok"
        repo = Repository(db)
        round_ = await repo.round_by_name(1, "Round")
        assert round_ is not None and round_.is_open
        ballots = await repo.ballots([round_.id])
    voters = [b.voter for b in ballots]
    assert len(voters) == len(set(voters)), "a voter has two ballots"
    return {b.voter: b.picks for b in ballots}


async def test_acknowledged_ballots_survive_sigkill(tmp_path: Path, catalogue: Catalogue) -> None:
    db_path = tmp_path / "crash.sqlite3"
    async with await Database.open(db_path) as db:
        await open_voting(Repository(db), catalogue)
    rng = random.Random(SEED)
    known: dict[str, Picks] = {}
    acks_so_far: dict[str, int] = defaultdict(int)
    submits_so_far: dict[str, int] = defaultdict(int)
    total_acks = 0

    for iteration in range(ITERATIONS):
        plan = make_plan(rng, iteration, sorted(known))
        plan_path = tmp_path / f"plan-{iteration}.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        kill_after = rng.randint(5, BATCHES * BATCH_SIZE - 5)
        log = await asyncio.to_thread(run_child, db_path, plan_path, kill_after)
        assert log.acks >= kill_after
        total_acks += log.acks

        stored = await stored_state(db_path)
        for voter in set(known) | set(log.lines):
            allowed = allowed_states(known.get(voter), log.lines.get(voter, []))
            assert stored.get(voter) in allowed, (iteration, voter, stored.get(voter), allowed)
        assert set(stored) <= set(known) | set(log.lines), "a ballot nobody submitted"

        connection = sqlite3.connect(db_path)
        try:
            assert integrity(connection) == "ok"
            assert ballots_without_picks(connection) == []
            # The audit row is written in the ballot's own transaction: it agrees with the ballot,
            # and every acknowledged change has one.
            audit: dict[str, list[Picks]] = defaultdict(list)
            for voter, picks in connection.execute("SELECT voter, picks FROM ballot_audit ORDER BY id"):
                audit[voter].append(frozenset(json.loads(picks)))
        finally:
            connection.close()
        for voter, said in log.lines.items():
            acks_so_far[voter] += sum(1 for kind, _ in said if kind == "ACK")
            submits_so_far[voter] += sum(1 for kind, _ in said if kind == "SUBMIT")
        for voter, picks in stored.items():
            assert audit[voter][-1] == picks, voter
            assert acks_so_far[voter] <= len(audit[voter]) <= submits_so_far[voter], voter
        known = stored

    assert total_acks >= ITERATIONS * 5
    assert len(known) > BATCHES * BATCH_SIZE  # the later children really added voters
