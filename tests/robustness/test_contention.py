"""Exports, backups and another process's write lock during a burst of votes: no vote may fail."""

from __future__ import annotations

import asyncio
import io
import random
import sqlite3
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from openpyxl import load_workbook

from bot.__main__ import main
from bot.domain.catalogue import Catalogue
from bot.exports import render_export
from bot.services import voting
from bot.services.tallies import export_data
from db.connection import Database
from db.repositories import Repository
from tests.robustness.conftest import ballots_without_picks, integrity, open_voting

PROJECT = Path(__file__).resolve().parents[2]
BEFORE = 200
BURST = 1000
START_AFTER = 100  # the readers start once this many ballots of the burst are committed
WORKERS = 20  # ballots in flight at any moment


def ballot_count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        assert integrity(connection) == "ok"
        assert ballots_without_picks(connection) == []
        return int(connection.execute("SELECT COUNT(*) FROM ballots").fetchone()[0])
    finally:
        connection.close()


def cli_backup(db_path: Path, output: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--db", str(db_path), "backup", "--output", str(output)])
    return code, out.getvalue(), err.getvalue()


def picks_for(rng: random.Random) -> list[int]:
    return rng.sample(range(1, 46), 6)


async def test_export_and_backups_during_a_burst_fail_no_vote(
    tmp_path: Path, db: Database, catalogue: Catalogue
) -> None:
    repo = Repository(db)
    place = await open_voting(repo, catalogue)
    rng = random.Random(7)
    for index in range(BEFORE):
        await voting.submit_ballot(repo, place, f"early-{index}", picks_for(rng))
    committed = 0
    submitted = 0
    readers_may_start = asyncio.Event()
    readers_done = asyncio.Event()

    async def voter_worker() -> None:
        """Votes until the burst's size is reached and every reader has finished, then once more,
        so that every copy is taken while votes are still arriving."""
        nonlocal committed, submitted
        last_lap = False
        while True:
            if submitted >= BURST and readers_done.is_set():
                if last_lap:
                    return
                last_lap = True
            index = submitted
            submitted += 1
            await voting.submit_ballot(repo, place, f"burst-{index}", picks_for(rng))
            committed += 1
            if committed == START_AFTER:
                readers_may_start.set()

    async def export() -> tuple[int, bytes]:
        await readers_may_start.wait()
        event = place.event
        data = await export_data(repo, event, [place.round])
        return data.tally.ballot_count, await asyncio.to_thread(render_export, "xlsx", data)

    async def backup_in_process() -> None:
        await readers_may_start.wait()
        await db.backup_to(tmp_path / "backup-api.sqlite3")

    async def backup_cli_thread() -> tuple[int, str, str]:
        await readers_may_start.wait()
        return await asyncio.to_thread(cli_backup, db.path, tmp_path / "backup-cli.sqlite3")

    async def backup_cli_process() -> subprocess.CompletedProcess[str]:
        await readers_may_start.wait()
        command = [sys.executable, "-m", "bot", "--db", str(db.path), "backup", "--output"]
        return await asyncio.to_thread(
            subprocess.run,
            [*command, str(tmp_path / "backup-process.sqlite3")],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=PROJECT,
        )

    async def readers() -> list[object]:
        try:
            return await asyncio.gather(
                export(),
                backup_in_process(),
                backup_cli_thread(),
                backup_cli_process(),
                return_exceptions=True,
            )
        finally:
            readers_done.set()

    votes, read = await asyncio.gather(
        asyncio.gather(*(voter_worker() for _ in range(WORKERS)), return_exceptions=True), readers()
    )
    assert [o for o in [*votes, *read] if isinstance(o, BaseException)] == []
    exported, _, (code, out, err), process = read
    after = BEFORE + committed
    assert committed == submitted >= BURST
    assert ballot_count(db.path) == after

    exported_count, payload = exported
    assert BEFORE + START_AFTER <= exported_count < after
    workbook = load_workbook(io.BytesIO(payload))
    assert workbook.sheetnames  # a readable XLSX
    assert code == 0 and err == "" and "Backed up" in out
    assert process.returncode == 0, process.stderr
    assert process.stderr == ""
    for name in ("backup-api", "backup-cli", "backup-process"):
        copied = ballot_count(tmp_path / f"{name}.sqlite3")
        # Started after START_AFTER burst ballots were committed: a copy from during the burst.
        assert BEFORE + START_AFTER <= copied < after, (name, copied)
        async with await Database.open(tmp_path / f"{name}.sqlite3") as copy:
            assert await copy.integrity_check() == "ok"


async def test_another_process_holding_the_write_lock_delays_votes_but_fails_none(
    db: Database, catalogue: Catalogue
) -> None:
    repo = Repository(db)
    place = await open_voting(repo, catalogue)
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        'c.execute("UPDATE events SET language = language")\n'
        "print('locked', flush=True)\n"
        "time.sleep(0.5)\n"
        "c.execute('COMMIT')\n",
        str(db.path),
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdout is not None
    assert await holder.stdout.readline() == b"locked\n"
    loop = asyncio.get_running_loop()
    started = loop.time()
    rng = random.Random(11)
    outcomes = await asyncio.gather(
        *(voting.submit_ballot(repo, place, f"v{i}", picks_for(rng)) for i in range(300)),
        return_exceptions=True,
    )
    waited = loop.time() - started
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert await asyncio.wait_for(holder.wait(), 10) == 0
    assert waited >= 0.3  # the votes really did wait for the other process's lock
    assert ballot_count(db.path) == 300
