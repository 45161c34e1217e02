"""Child process for test_crash_durability: submits the ballots of a plan until it is killed.

Usage: python _crash_child.py DB PLAN.json GUILD_ID CHANNEL_ID
PLAN.json is a list of batches, each a list of [voter, [picks...]]. The ballots of one batch are
submitted concurrently (asyncio.gather). Before each call the child prints ``SUBMIT voter p1,p2``;
after submit_ballot returns (the participant's acknowledgement) it prints ``ACK voter p1,p2``.
Every line is flushed at once, so the parent sees an ACK only after the commit it acknowledges.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.domain.access import MemberAccess
from bot.services import voting
from db.connection import Database
from db.repositories import Repository


def _say(kind: str, voter: str, picks: list[int]) -> None:
    sys.stdout.write(f"{kind} {voter} {','.join(map(str, sorted(picks)))}\n")
    sys.stdout.flush()


async def run(db_path: str, plan: list[list[tuple[str, list[int]]]], guild_id: int, channel_id: int) -> None:
    db = await Database.open(db_path)
    repo = Repository(db)
    place = await voting.voting_place(repo, guild_id, [channel_id], MemberAccess.of([], False))

    async def submit(voter: str, picks: list[int]) -> None:
        _say("SUBMIT", voter, picks)
        await voting.submit_ballot(repo, place, voter, picks)
        _say("ACK", voter, picks)

    for batch in plan:
        await asyncio.gather(*(submit(voter, picks) for voter, picks in batch))
    sys.stdout.write("DONE\n")
    sys.stdout.flush()
    await asyncio.sleep(3600)  # wait for the parent's SIGKILL, never closing cleanly


if __name__ == "__main__":
    loaded = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    asyncio.run(run(sys.argv[1], loaded, int(sys.argv[3]), int(sys.argv[4])))
