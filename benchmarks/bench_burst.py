"""Burst benchmark: N participants submit a 6-pick ballot at the same moment, through the service
layer (the code path /vote's Submit takes after parsing the interaction).

Run: python benchmarks/bench_burst.py [N ...]   (default 1000 2000 5000)
Prints throughput, p50/p99 time until each ballot is committed (when the participant would be
told), and the share within Discord's 3-second window; the same rows inserted with bare sqlite3
in one transaction each are the baseline.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.access import MemberAccess
from bot.domain.ballots import PickLimits
from bot.domain.catalogue import load_catalogue
from bot.services import voting
from db.connection import Database
from db.repositories import Repository


async def burst(size: int, tmp: Path) -> tuple[float, list[float]]:
    catalogue = load_catalogue("builtin:movement-strategy-2020")
    async with await Database.open(tmp / f"burst-{size}.sqlite3") as db:
        repo = Repository(db)
        event = await repo.create_event(1, "bench", catalogue, "builtin")
        await repo.add_room(event.id, "Room", 42)
        await repo.open_round(event.id, "R", PickLimits(1, 6))
        place = await voting.voting_place(repo, 1, [42], MemberAccess.of([], False))
        rng = random.Random(size)
        ballots = [rng.sample(range(1, 46), 6) for _ in range(size)]
        latencies: list[float] = []
        started = time.perf_counter()

        async def one(index: int) -> None:
            await voting.submit_ballot(repo, place, f"user{index}", ballots[index])
            latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one(i) for i in range(size)))
        total = time.perf_counter() - started
        assert len(await repo.ballots([place.round.id])) == size
    return total, sorted(latencies)


def baseline(size: int, tmp: Path) -> float:
    path = tmp / f"bare-{size}.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE ballots (id INTEGER PRIMARY KEY, voter TEXT UNIQUE)")
    conn.execute(
        "CREATE TABLE picks (ballot_id INTEGER, initiative INTEGER, PRIMARY KEY (ballot_id, initiative))"
    )
    rng = random.Random(size)
    started = time.perf_counter()
    for index in range(size):
        conn.execute("BEGIN IMMEDIATE")
        cursor = conn.execute("INSERT INTO ballots (voter) VALUES (?)", (f"user{index}",))
        conn.executemany(
            "INSERT INTO picks VALUES (?, ?)", [(cursor.lastrowid, n) for n in rng.sample(range(1, 46), 6)]
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [1000, 2000, 5000]
    print(
        f"{'N':>6} | {'ballots/s':>9} | {'p50 s':>6} | {'p99 s':>6} | {'<=3 s':>6} | {'bare sqlite3 s':>14} | ratio"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for size in sizes:
            total, latencies = asyncio.run(burst(size, tmp))
            bare = baseline(size, tmp)
            p50 = latencies[len(latencies) // 2]
            p99 = latencies[int(len(latencies) * 0.99) - 1]
            within = sum(1 for t in latencies if t <= 3.0) / len(latencies)
            print(
                f"{size:>6} | {size / total:>9.0f} | {p50:>6.2f} | {p99:>6.2f} | {within:>6.1%} | {bare:>14.3f} | {total / bare:>5.1f}x"
            )


if __name__ == "__main__":
    main()
