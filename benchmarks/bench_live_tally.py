"""Live tally under a burst: how often the live message is edited, and whether it ends up right.

Run: python benchmarks/bench_live_tally.py [BALLOTS [SECONDS [INTERVAL]]]   (default 5000 60 5)
A facilitator posts a live tally with /tally post (under simcord); then BALLOTS ballots arrive
through the service layer (the path the Vote button takes) spread evenly over SECONDS of virtual
time, advanced one second at a time. Counts the PATCH edits of the live message in each minute
and checks that its final content equals the tally engine's result for the same ballots.
simcord does not simulate rate limits (HTTP 429); the edits per minute are what to compare with
Discord's limits (about 5 edits per 5 seconds per channel).
"""

from __future__ import annotations

import asyncio
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import discord
import simcord

from bot.client import PriorityBot
from bot.domain.access import MemberAccess
from bot.domain.tally import tally
from bot.services import voting
from db.connection import Database

LINE = re.compile(r"· (\d+)\. \*\*(\d+)\*\* .* — ([\d,]+) votes? \(([\d,]+) raw\)")


def edits(env: simcord.Env, message_id: int, since: int) -> int:
    return sum(1 for r in env.http_requests[since:] if r.method == "PATCH" and str(message_id) in r.path)


async def run(ballots: int, seconds: int, interval: float, tmp: Path) -> None:
    async with await Database.open(tmp / "live.sqlite3") as db:
        bot = PriorityBot(db, sync_commands_on_start=True)
        bot.live_tally_interval = interval  # type: ignore[attr-defined]
        async with simcord.run(bot) as env:
            guild = env.create_guild("Bench")
            lobby = guild.create_text_channel("lobby")
            rooms = [guild.create_text_channel(f"room-{i}") for i in range(12)]
            organisers = guild.create_role("Organisers", permissions=discord.Permissions(manage_guild=True))
            organiser = guild.add_member(env.create_user("organiser"), roles=[organisers])
            await organiser.slash(lobby, "event create", name="Bench")
            for index, room in enumerate(rooms):
                await organiser.slash(lobby, "event room-add", channel=room, name=f"Room {index}")
            await organiser.slash(lobby, "round open", name="Live", max_picks=6)
            posted = await organiser.slash(lobby, "tally post")
            answer = posted.followups[-1] if posted.followups else posted.response
            assert answer is not None and "Live tally posted" in answer.content, answer
            live = lobby.last_message
            assert live is not None

            places = [
                await voting.voting_place(bot.repo, guild.id, [room.id], MemberAccess.of([], False))
                for room in rooms
            ]
            rng = random.Random(ballots)
            picks = [rng.sample(range(1, 46), rng.randint(1, 6)) for _ in range(ballots)]
            per_minute: list[int] = []
            minute_start = len(env.http_requests)
            submitted = 0
            wall = time.perf_counter()
            for second in range(1, seconds + 1):
                due = ballots * second // seconds
                await asyncio.gather(
                    *(
                        voting.submit_ballot(bot.repo, places[i % len(places)], f"voter-{i}", picks[i])
                        for i in range(submitted, due)
                    )
                )
                submitted = due
                await env.advance_time(1.0)
                if second % 60 == 0 or second == seconds:
                    per_minute.append(edits(env, live.id, minute_start))
                    minute_start = len(env.http_requests)
            await env.advance_time(interval)  # the last ballots' edit
            settle = edits(env, live.id, minute_start)
            wall = time.perf_counter() - wall

            final = lobby.history()
            message = next(m for m in final if m.id == live.id)
            description = message.embeds[0].description or ""
            event = await bot.repo.active_event(guild.id)
            assert event is not None
            expected = tally(event.catalogue, [frozenset(p) for p in picks])
            shown = [
                (int(n), int(v.replace(",", "")), int(r.replace(",", "")))
                for _, n, v, r in LINE.findall(description)
            ]
            wanted = [(res.number, res.votes, res.raw_votes) for res in expected.ranked()[: len(shown)]]
            count_ok = f"{ballots:,} ballots cast" in description or f"{ballots} ballots cast" in description
            matches = bool(shown) and shown == wanted and count_ok

    total_edits = sum(per_minute) + settle
    print(f"{'ballots':>8} | {'virtual s':>9} | {'interval s':>10} | {'edits/min':>18} | {'total edits':>11} | "
          f"{'final = engine':>14} | {'wall s':>6}")  # fmt: skip
    print(
        f"{ballots:>8,} | {seconds:>9} | {interval:>10g} | {', '.join(map(str, per_minute)):>18} | "
        f"{total_edits:>11} | {'yes' if matches else 'NO':>14} | {wall:>6.1f}"
    )
    if not matches:
        print("shown:", shown[:5], "engine:", wanted[:5], "count line found:", count_ok)
        raise SystemExit(1)


def main() -> None:
    ballots = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    with tempfile.TemporaryDirectory() as tmp_name:
        asyncio.run(run(ballots, seconds, interval, Path(tmp_name)))


if __name__ == "__main__":
    main()
