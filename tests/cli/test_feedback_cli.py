"""`prioritybot export-feedback`, through the real entry point on a SQLite file in tmp_path."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.__main__ import main
from bot.domain.catalogue import Catalogue
from bot.domain.feedback import Answers
from bot.services.tallies import pseudonym
from db.connection import Database
from db.feedback import AttendanceRepository, FeedbackRepository
from db.repositories import Repository

GUILD = 555_000_000_000_000_001
ALICE = "111111111111111111"
BOB = "222222222222222222"
COLUMNS = ["pseudonym", "liked", "missing", "active_role", "rating", "submitted_at"]


async def _build(path: Path, catalogue: Catalogue) -> None:
    async with await Database.open(path) as db:
        repo = Repository(db)
        event = await repo.create_event(GUILD, "GC 2020", catalogue, "builtin:movement-strategy-2020")
        room = await repo.add_room(event.id, "French", 42)
        attendance, store = AttendanceRepository(db), FeedbackRepository(db)
        for user in (ALICE, BOB, "333333333333333333"):
            await attendance.record(event.id, user, room.id, "voice", [])
        await store.open(event.id, None)
        await store.save_response(
            event.id,
            ALICE,
            Answers({"liked": f"=1+1 thanks <@{BOB}> @here, I am {ALICE}", "missing": "Hubs"}, 4),
        )
        await store.save_response(event.id, BOB, Answers({"liked": "Everything", "missing": "Time"}, None))


@pytest.fixture
def survey_db(tmp_path: Path, catalogue: Catalogue) -> Path:
    """A Discord event's survey with three attendees and two responses (main() runs its own loop)."""
    path = tmp_path / "bot.sqlite3"
    asyncio.run(_build(path, catalogue))
    return path


def export(db: Path, fmt: str, output: Path, *extra: str) -> int:
    return main(
        [
            "export-feedback",
            "--event",
            "GC 2020",
            "--format",
            fmt,
            "--output",
            str(output),
            "--db",
            str(db),
            *extra,
        ]
    )


async def _pseudonyms(db: Path) -> dict[str, str]:
    async with await Database.open(db) as database:
        event = await Repository(database).event_by_name(GUILD, "GC 2020")
        assert event is not None
        return {user: pseudonym(event, user) for user in (ALICE, BOB)}


def test_csv_export_is_anonymised_and_masked(
    survey_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "feedback.csv"
    assert export(survey_db, "csv", out) == 0  # the one server with that event is found without --guild
    assert "2 responses; 2 of 3 attendees answered: 67%" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert ALICE not in text and BOB not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == COLUMNS
    names = asyncio.run(_pseudonyms(survey_db))
    by_pseudonym = {row["pseudonym"]: row for row in rows}
    alice = by_pseudonym[names[ALICE]]
    # masked, and a leading "=" cannot become a spreadsheet formula
    assert alice["liked"] == "'=1+1 thanks [mention] [mention], I am [id]"
    assert (alice["rating"], alice["active_role"]) == ("4", "")
    assert by_pseudonym[names[BOB]]["rating"] == ""
    assert alice["submitted_at"].endswith("+00:00")


def test_xlsx_and_json_exports(survey_db: Path, tmp_path: Path) -> None:
    xlsx, document = tmp_path / "feedback.xlsx", tmp_path / "feedback.json"
    assert export(survey_db, "xlsx", xlsx, "--guild", str(GUILD)) == 0
    workbook = load_workbook(xlsx)
    responses = workbook["Responses"]
    header = [cell.value for cell in responses[1]]
    assert header == COLUMNS
    cells = [cell for row in responses.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)  # "=1+1" stays text
    assert any(cell.value == "=1+1 thanks [mention] [mention], I am [id]" for cell in cells)
    summary = {row[0].value: row[1].value for row in workbook["Summary"].iter_rows() if row[0].value}
    assert summary["response_rate_percent"] == 67

    assert export(survey_db, "json", document) == 0
    data = json.loads(document.read_text(encoding="utf-8"))
    assert (data["attendees"], data["answered"], data["response_rate_percent"]) == (3, 2, 67)
    assert data["rating_distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}
    assert [q["id"] for q in data["questions"]] == ["liked", "missing", "active_role"]
    assert ALICE not in document.read_text(encoding="utf-8")


def test_an_unknown_event_or_server_is_an_error(
    survey_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    assert (
        main(
            [
                "export-feedback",
                "--event",
                "Nope",
                "--format",
                "csv",
                "--output",
                str(out),
                "--db",
                str(survey_db),
            ]
        )
        == 1
    )
    assert "There is no event called Nope" in capsys.readouterr().err
    assert export(survey_db, "csv", out, "--guild", "7") == 1
    assert not out.exists()
