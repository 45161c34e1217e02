"""`prioritybot demo`: the November 2020 Global Conversations replayed through the real pipeline."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.domain.ballot_import import ballots_to_csv
from bot.domain.errors import UserError
from bot.domain.event import OFFLINE_GUILD_ID
from bot.domain.sample_event import SAMPLE_EVENT, SAMPLE_MAX_PICKS, SAMPLE_ROUND, sample_ballots
from bot.domain.tally import Tally
from bot.exports import EXPORT_FORMATS, FILE_EXTENSIONS, render_export
from bot.services.importing import import_ballot_file
from bot.services.tallies import export_data
from db.repositories import Repository


@dataclass(frozen=True)
class DemoResult:
    tally: Tally
    files: list[Path]


async def run_demo(repo: Repository, out_dir: Path) -> DemoResult:
    """Import the sample ballots as an organiser would (CSV through import-ballots), then export."""
    if await repo.event_by_name(OFFLINE_GUILD_ID, SAMPLE_EVENT) is not None:
        raise UserError(
            "This database already holds the demo event; run the demo on a fresh --db file.",
        )
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    ballots_file = out_dir / "ballots.csv"
    await asyncio.to_thread(ballots_file.write_text, ballots_to_csv(sample_ballots()), "utf-8")
    result = await import_ballot_file(
        repo, ballots_file, SAMPLE_EVENT, SAMPLE_ROUND, "builtin:movement-strategy-2020", SAMPLE_MAX_PICKS
    )
    data = await export_data(repo, result.event, [result.round])
    files = [ballots_file]
    for fmt in EXPORT_FORMATS:
        target = out_dir / f"tally.{FILE_EXTENSIONS[fmt]}"
        payload = await asyncio.to_thread(render_export, fmt, data)
        await asyncio.to_thread(target.write_bytes, payload)
        files.append(target)
    return DemoResult(data.tally, files)
