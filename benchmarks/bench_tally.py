"""Tally benchmark: full results for 1k, 10k and 100k ballots of 6 picks over 45 initiatives.

Run: python benchmarks/bench_tally.py
Prints time and peak memory of (a) the pure engine on in-memory ballots, (b) loading the ballots
from a migrated SQLite file and tallying them (the path /results and exports take), and the bare
SQL `GROUP BY` count as the baseline.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.ballots import Ballot, PickLimits
from bot.domain.catalogue import load_catalogue
from bot.domain.tally import tally
from bot.services.tallies import tally_scope
from db.connection import Database
from db.repositories import Repository

SIZES = (1_000, 10_000, 100_000)
ROOMS = [f"Room {n}" for n in range(1, 21)]


def make_ballots(count: int, seed: int = 2020) -> list[Ballot]:
    rng = random.Random(seed)
    numbers = list(range(1, 46))
    return [Ballot(f"v{i}", frozenset(rng.sample(numbers, 6)), ROOMS[i % 20]) for i in range(count)]


def measure(fn):
    """Time without tracing (tracemalloc slows Python code several-fold), then peak memory."""
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak / 2**20


async def main() -> None:
    catalogue = load_catalogue("builtin:movement-strategy-2020")
    print(
        f"{'ballots':>8} | {'engine s':>8} {'MiB':>6} | {'db+engine s':>11} {'MiB':>6} | {'SQL GROUP BY s':>14} | ratio"
    )
    for size in SIZES:
        ballots = make_ballots(size)
        _, engine_s, engine_mib = measure(lambda b=ballots: tally(catalogue, [x.picks for x in b]))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.sqlite3"
            async with await Database.open(path) as db:
                repo = Repository(db)
                event = await repo.create_event(0, "bench", catalogue, "builtin")
                round_ = await repo.ensure_round(event.id, "R", PickLimits(1, 6))
                await repo.import_ballots(event.id, round_.id, ballots)
                started = time.perf_counter()
                await tally_scope(repo, event, [round_])
                db_s = time.perf_counter() - started
                tracemalloc.start()
                await tally_scope(repo, event, [round_])
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            with sqlite3.connect(path) as conn:
                started = time.perf_counter()
                conn.execute(
                    "SELECT p.initiative, COUNT(*) FROM ballot_picks p JOIN ballots b ON b.id = p.ballot_id "
                    "WHERE b.round_id = ? GROUP BY p.initiative",
                    (round_.id,),
                ).fetchall()
                sql_s = time.perf_counter() - started
        print(
            f"{size:>8} | {engine_s:>8.3f} {engine_mib:>6.1f} | {db_s:>11.3f} {peak / 2**20:>6.1f} | {sql_s:>14.3f} | {db_s / sql_s:>5.1f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())
