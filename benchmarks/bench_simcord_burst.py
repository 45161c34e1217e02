"""Burst through the real Discord interaction path: N participants each run /pick under simcord.

Run: python benchmarks/bench_simcord_burst.py [N ...]   (default 200 500 1000)
simcord runs one user action at a time, so the participants act one after the other: this
measures what the bot itself costs per interaction (discord.py parsing the interaction, the
checks, the committed write, the reply), from the interaction's dispatch until the bot's answer.
Prints p50/p99 time to acknowledgement, interactions per second and the share within Discord's
3-second window.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import discord
import simcord

from bot.client import PriorityBot
from db.connection import Database
from db.repositories import Repository


async def burst(size: int, tmp: Path) -> tuple[float, list[float]]:
    async with await Database.open(tmp / f"simcord-{size}.sqlite3") as db:
        bot = PriorityBot(db, sync_commands_on_start=True)
        async with simcord.run(bot) as env:
            guild = env.create_guild("Bench")
            lobby = guild.create_text_channel("lobby")
            room = guild.create_text_channel("room")
            organisers = guild.create_role("Organisers", permissions=discord.Permissions(manage_guild=True))
            organiser = guild.add_member(env.create_user("organiser"), roles=[organisers])
            await organiser.slash(lobby, "event create", name="Bench")
            await organiser.slash(lobby, "event room-add", channel=room, name="Room")
            await organiser.slash(lobby, "round open", name="R", max_picks=6)
            members = [guild.add_member(env.create_user(f"user{i}")) for i in range(size)]
            rng = random.Random(size)
            latencies: list[float] = []
            started = time.perf_counter()
            for member in members:
                before = time.perf_counter()
                result = await member.slash(room, "pick", initiative=rng.randint(1, 45))
                latencies.append(time.perf_counter() - before)
                assert result.response is not None and "Added" in result.response.content
            total = time.perf_counter() - started
            event = await bot.repo.active_event(guild.id)
            assert event is not None
            round_ = await bot.repo.open_round_of(event.id)
            assert round_ is not None
            assert len(await Repository(db).ballots([round_.id])) == size
    return total, sorted(latencies)


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [200, 500, 1000]
    print(f"{'N':>6} | {'interactions/s':>14} | {'p50 ms':>7} | {'p99 ms':>7} | {'max ms':>7} | {'<=3 s':>6}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for size in sizes:
            total, latencies = asyncio.run(burst(size, tmp))
            p50 = latencies[len(latencies) // 2]
            p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
            within = sum(1 for t in latencies if t <= 3.0) / len(latencies)
            print(
                f"{size:>6} | {size / total:>14.0f} | {p50 * 1000:>7.1f} | {p99 * 1000:>7.1f} | "
                f"{latencies[-1] * 1000:>7.1f} | {within:>6.1%}"
            )


if __name__ == "__main__":
    main()
