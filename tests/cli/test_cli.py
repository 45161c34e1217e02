"""The `prioritybot` command, driven through its real entry point on a real SQLite file in tmp_path."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.__main__ import main

CSV_HEADER = ["recommendation", "number", "initiative", "votes", "raw_votes", "merged_in", "quartile"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BUILTIN = "builtin:movement-strategy-2020"

# Four ballots under the built-in catalogue. b1 picks 23 without 24, so the merge rule 23 -> 24
# adds one vote to 24; b2 picks both, so it adds nothing.
#   raw: 1 -> 2 (b1, b4), 2 -> 1 (b3), 23 -> 2 (b1, b2), 24 -> 2 (b2, b3); 24 after merging: 3.
#   Room Alpha (b1, b2): 1 -> 1, 23 -> 2, 24 -> 1 raw + 1 merged. Room Beta (b3, b4): 1, 2, 24 once each.
BALLOTS_CSV = """ballot,room,initiative
b1,Alpha,23
b1,Alpha,1
b2,Alpha,23
b2,Alpha,24
b3,Beta,24
b3,Beta,2
b4,Beta,1
"""
EXPECTED_VOTES = {1: (2, 2, 0), 2: (1, 1, 0), 23: (2, 2, 0), 24: (3, 2, 1)}  # votes, raw, merged_in
EXPECTED_ALPHA = {1: (1, 1, 0), 23: (2, 2, 0), 24: (2, 1, 1)}
EXPECTED_BETA = {1: (1, 1, 0), 2: (1, 1, 0), 24: (1, 1, 0)}

TINY_CATALOGUE = """
name = "Tiny"

[[recommendations]]
number = 1
title = "First"

  [[recommendations.initiatives]]
  number = 1
  title = "Alpha"

  [[recommendations.initiatives]]
  number = 2
  title = "Beta"

[[recommendations]]
number = 2
title = "Second"

  [[recommendations.initiatives]]
  number = 3
  title = "Gamma"

  [[recommendations.initiatives]]
  number = 4
  title = "Delta"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def ballots_csv(ballots: dict[str, tuple[str, list[int]]]) -> str:
    rows = ["ballot,room,initiative"]
    for ballot, (room, picks) in ballots.items():
        rows += [f"{ballot},{room},{number}" for number in picks]
    return "\n".join(rows) + "\n"


def cli(db: Path, *args: str) -> int:
    """Run `prioritybot COMMAND ... --db DB`, the order the documentation uses."""
    return main([*args, "--db", str(db)])


def read_csv_export(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def votes_by_number(rows: list[list[str]]) -> dict[int, tuple[int, int, int]]:
    """{number: (votes, raw_votes, merged_in)} for the initiatives with any votes."""
    found = {}
    for row in rows[1:]:
        record = dict(zip(CSV_HEADER, row, strict=True))
        if int(record["votes"]):
            found[int(record["number"])] = (
                int(record["votes"]),
                int(record["raw_votes"]),
                int(record["merged_in"]),
            )
    return found


def export_json(db: Path, event: str, out: Path) -> dict[str, object]:
    assert cli(db, "export", "--event", event, "--format", "json", "--output", str(out)) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def dump(db: Path) -> list[str]:
    """Every row of every table, to check a failed command changed nothing."""
    connection = sqlite3.connect(db)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def event_count(db: Path) -> int:
    connection = sqlite3.connect(db)
    try:
        return int(connection.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.sqlite3"


@pytest.fixture
def ballots_file(tmp_path: Path) -> Path:
    return write(tmp_path / "ballots.csv", BALLOTS_CSV)


@pytest.fixture
def imported(db: Path, ballots_file: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert cli(db, "import-ballots", str(ballots_file), "--event", "GC", "--round", "Day 1") == 0
    capsys.readouterr()
    return db


# --- import-ballots ------------------------------------------------------------------------------


def test_import_creates_the_event_and_round_and_reports_the_counts(
    db: Path, ballots_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(db, "import-ballots", str(ballots_file), "--event", "GC") == 0
    out = capsys.readouterr().out
    assert "Imported 4 ballots (7 picks) into GC / Imported: 4 new, 0 replaced." in out

    target = tmp_path / "tally.csv"
    assert (
        cli(db, "export", "--event", "GC", "--round", "Imported", "--format", "csv", "--output", str(target))
        == 0
    )
    assert votes_by_number(read_csv_export(target)) == EXPECTED_VOTES


def test_imported_rounds_have_no_pick_limit_by_default(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    many = write(tmp_path / "many.csv", ballots_csv({"v1": ("", list(range(1, 21)))}))
    assert cli(db, "import-ballots", str(many), "--event", "Open") == 0
    assert "1 ballots (20 picks)" in capsys.readouterr().out
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT name, max_picks FROM rounds").fetchall() == [("Imported", None)]
    finally:
        connection.close()


def test_reimporting_the_same_file_does_not_double_count(
    imported: Path, ballots_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = export_json(imported, "GC", tmp_path / "before.json")
    capsys.readouterr()
    assert cli(imported, "import-ballots", str(ballots_file), "--event", "GC", "--round", "Day 1") == 0
    assert "0 new, 4 replaced" in capsys.readouterr().out
    after = export_json(imported, "GC", tmp_path / "after.json")
    assert after["ballot_count"] == 4
    assert after["rows"] == before["rows"]
    assert after["ballots"] == before["ballots"]

    target = tmp_path / "tally.csv"
    assert cli(imported, "export", "--event", "GC", "--format", "csv", "--output", str(target)) == 0
    assert votes_by_number(read_csv_export(target)) == EXPECTED_VOTES


# Each bad file starts with a valid new ballot in a new room, so a partial import would show.
BAD_FILES: list[tuple[str, bytes, list[str], list[str]]] = [
    (
        "unknown initiative",
        b"ballot,room,initiative\nnew1,Gamma,5\nnew1,Gamma,99\n",
        [],
        ["line 3", "initiative 99"],
    ),
    (
        "duplicate pick",
        b"ballot,room,initiative\nnew1,Gamma,5\nnew1,Gamma,6\nnew1,Gamma,5\n",
        [],
        ["line 4", "new1", "initiative 5 twice"],
    ),
    (
        "too many picks",
        b"ballot,room,initiative\nnew1,Gamma,5\nnew1,Gamma,6\nnew1,Gamma,7\n",
        ["--max-picks", "2"],
        ["line 4", "new1", "more than 2 picks"],
    ),
    ("missing column", b"ballot,initiative\nnew1,5\n", [], ["line 1", "missing column room"]),
    ("not utf-8", b"ballot,room,initiative\nnew1,Gamma,5\nnew2,Caf\xe9,6\n", [], ["line 3", "not UTF-8"]),
]
BAD_IDS = [case[0] for case in BAD_FILES]


@pytest.mark.parametrize(("name", "content", "options", "expected"), BAD_FILES, ids=BAD_IDS)
def test_a_bad_file_names_its_line_and_stores_nothing(
    imported: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    options: list[str],
    expected: list[str],
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    before_export = export_json(imported, "GC", tmp_path / "before.json")
    before_dump = dump(imported)
    capsys.readouterr()

    assert cli(imported, "import-ballots", str(bad), "--event", "GC", "--round", "Day 1", *options) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    message = captured.err.strip()
    assert message.startswith(f"prioritybot: {bad}, ")
    assert "\n" not in message
    for fragment in expected:
        assert fragment in message

    assert dump(imported) == before_dump
    assert export_json(imported, "GC", tmp_path / "after.json") == before_export


@pytest.mark.parametrize(("name", "content", "options", "expected"), BAD_FILES, ids=BAD_IDS)
def test_a_bad_first_import_leaves_no_event_behind(
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    options: list[str],
    expected: list[str],
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    assert cli(db, "import-ballots", str(bad), "--event", "Fresh", *options) == 1
    err = capsys.readouterr().err
    for fragment in expected:
        assert fragment in err
    assert event_count(db) == 0

    out = tmp_path / "tally.csv"
    assert cli(db, "export", "--event", "Fresh", "--format", "csv", "--output", str(out)) == 1
    assert "There is no event called Fresh" in capsys.readouterr().err
    assert not out.exists()


def test_a_file_that_cannot_be_read_is_a_clear_error(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.csv"
    assert cli(db, "import-ballots", str(missing), "--event", "GC") == 1
    assert f"{missing}: cannot read the file" in capsys.readouterr().err
    assert event_count(db) == 0


BAD_CATALOGUES: list[tuple[str, str, list[str]]] = [
    (
        "duplicate initiative",
        TINY_CATALOGUE.replace('number = 4\n  title = "Delta"', 'number = 2\n  title = "Delta"'),
        ["initiative number 2 is used twice"],
    ),
    (
        "merge rule names unknown initiative",
        TINY_CATALOGUE + "\n[[merge_rules]]\nsource = 1\ntarget = 99\n",
        ["merge rule", "target", "initiative 99"],
    ),
]


@pytest.mark.parametrize(
    ("name", "toml", "expected"), BAD_CATALOGUES, ids=[case[0] for case in BAD_CATALOGUES]
)
def test_a_bad_catalogue_names_the_file_and_field_and_stores_nothing(
    db: Path,
    tmp_path: Path,
    ballots_file: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    toml: str,
    expected: list[str],
) -> None:
    catalogue = write(tmp_path / "bad-catalogue.toml", toml)
    good = write(tmp_path / "tiny.csv", ballots_csv({"t1": ("", [1, 3])}))
    assert cli(db, "import-ballots", str(good), "--event", "Tiny", "--catalogue", str(catalogue)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"prioritybot: {catalogue}: ")
    for fragment in expected:
        assert fragment in captured.err
    assert event_count(db) == 0
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT COUNT(*) FROM catalogues").fetchone()[0] == 0
    finally:
        connection.close()


def test_a_catalogue_file_is_used_for_the_new_event(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue = write(tmp_path / "tiny.toml", TINY_CATALOGUE)
    good = write(tmp_path / "tiny.csv", ballots_csv({"t1": ("", [1, 3]), "t2": ("", [3])}))
    assert cli(db, "import-ballots", str(good), "--event", "Tiny", "--catalogue", str(catalogue)) == 0
    # Initiative 5 exists in the built-in catalogue but not in this one.
    other = write(tmp_path / "five.csv", ballots_csv({"t3": ("", [5])}))
    assert cli(db, "import-ballots", str(other), "--event", "Tiny") == 1
    assert "line 2: there is no initiative 5" in capsys.readouterr().err

    out = tmp_path / "tiny-tally.csv"
    assert cli(db, "export", "--event", "Tiny", "--format", "csv", "--output", str(out)) == 0
    rows = read_csv_export(out)
    assert [row[1:4] for row in rows[1:]] == [
        ["1", "Alpha", "1"],
        ["2", "Beta", "0"],
        ["3", "Gamma", "2"],
        ["4", "Delta", "0"],
    ]


# --- export --------------------------------------------------------------------------------------


def test_export_csv_matches_the_hand_counted_tally(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "tally.csv"
    assert (
        cli(imported, "export", "--event", "GC", "--round", "Day 1", "--format", "csv", "--output", str(out))
        == 0
    )
    raw = out.read_bytes()
    assert raw.startswith(b"recommendation,number,initiative,votes,raw_votes,merged_in,quartile\r\n")
    rows = read_csv_export(out)
    assert rows[0] == CSV_HEADER
    assert len(rows) == 1 + 45
    assert votes_by_number(rows) == EXPECTED_VOTES
    by_number = {int(row[1]): row for row in rows[1:]}
    assert by_number[24][:3] == ["4", "24", "The Global Council"]
    assert by_number[23][:3] == ["4", "23", "Interim Global Council"]
    # 41 of the 45 initiatives have no votes, so every cut point is 0 and every row is quartile 1.
    assert {row[6] for row in rows[1:]} == {"1"}


@pytest.mark.parametrize(("room", "expected"), [("Alpha", EXPECTED_ALPHA), ("Beta", EXPECTED_BETA)])
def test_export_room_restricts_to_one_room(
    imported: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    room: str,
    expected: dict[int, tuple[int, int, int]],
) -> None:
    out = tmp_path / f"{room}.csv"
    assert (
        cli(imported, "export", "--event", "GC", "--room", room, "--format", "csv", "--output", str(out)) == 0
    )
    assert "2 ballots" in capsys.readouterr().out
    assert votes_by_number(read_csv_export(out)) == expected


def test_export_xlsx_opens_with_openpyxl(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "tally.xlsx"
    assert cli(imported, "export", "--event", "GC", "--format", "xlsx", "--output", str(out)) == 0
    workbook = load_workbook(out)
    sheet = workbook["Tally"]
    assert [cell.value for cell in sheet[1]] == CSV_HEADER
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, max_row=46, values_only=True)}
    assert rows[24][:7] == (4, 24, "The Global Council", 3, 2, 1, 1)
    assert rows[1][3] == 2


def test_export_json_loads_with_the_tally(imported: Path, tmp_path: Path) -> None:
    document = export_json(imported, "GC", tmp_path / "tally.json")
    assert document["event"] == "GC"
    assert document["rounds"] == ["Day 1"]
    assert document["ballot_count"] == 4
    assert document["total_raw_votes"] == 7
    assert document["total_votes"] == 8
    rows = {row["number"]: row for row in document["rows"]}  # type: ignore[attr-defined]
    assert (rows[24]["votes"], rows[24]["raw_votes"], rows[24]["merged_in"]) == (3, 2, 1)
    assert document["merge_rules"][0]["instances"] == 1  # type: ignore[index]
    # Voters are pseudonymised in exports.
    assert {ballot["ballot"] for ballot in document["ballots"]}.isdisjoint({"b1", "b2", "b3", "b4"})  # type: ignore[attr-defined]


def test_export_wikitext_is_a_wiki_table(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "tally.wiki"
    assert cli(imported, "export", "--event", "GC", "--format", "wikitext", "--output", str(out)) == 0
    text = out.read_text(encoding="utf-8")
    assert "{|" in text
    assert "|}" in text
    assert "The Global Council" in text


def test_export_png_is_a_png(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "tally.png"
    assert cli(imported, "export", "--event", "GC", "--format", "png", "--output", str(out)) == 0
    assert out.read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--event", "Nope"], "There is no event called Nope. Known events: GC."),
        (["--event", "GC", "--round", "Day 9"], "The event GC has no round called Day 9."),
        (["--event", "GC", "--room", "Omega"], "The event GC has no breakout room called Omega."),
    ],
    ids=["event", "round", "room"],
)
def test_export_of_something_unknown_is_a_clear_error(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    out = tmp_path / "tally.csv"
    assert cli(imported, "export", *options, "--format", "csv", "--output", str(out)) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == f"prioritybot: {message}"
    assert captured.out == ""
    assert not out.exists()


# --- compare -------------------------------------------------------------------------------------


def test_compare_lists_the_quartile_moves_between_two_rounds(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue = write(tmp_path / "tiny.toml", TINY_CATALOGUE)
    # Round A: 1 -> 4 votes, 2 -> 3, 3 -> 2, 4 -> 1; round B the reverse. Cut points for the
    # counts {1, 2, 3, 4} are 1.75, 2.5, 3.25, so quartiles go 1, 2, 3, 4 and then 4, 3, 2, 1.
    round_a = ballots_csv(
        {"a1": ("", [1, 2, 3, 4]), "a2": ("", [1, 2, 3]), "a3": ("", [1, 2]), "a4": ("", [1])}
    )
    round_b = ballots_csv(
        {"a1": ("", [4, 3, 2, 1]), "a2": ("", [4, 3, 2]), "a3": ("", [4, 3]), "a4": ("", [4])}
    )
    file_a, file_b = write(tmp_path / "a.csv", round_a), write(tmp_path / "b.csv", round_b)
    options = ["--event", "Tiny", "--catalogue", str(catalogue)]
    assert cli(db, "import-ballots", str(file_a), *options, "--round", "A") == 0
    assert cli(db, "import-ballots", str(file_b), *options, "--round", "B") == 0
    capsys.readouterr()

    assert cli(db, "compare", "--event", "Tiny", "A", "B") == 0
    assert capsys.readouterr().out.splitlines() == [
        "A: 4 ballots; B: 4 ballots",
        "down    1. Alpha: quartile 1 -> 4 (4 -> 1 votes)",
        "  up    4. Delta: quartile 4 -> 1 (1 -> 4 votes)",
        "down    2. Beta: quartile 2 -> 3 (3 -> 2 votes)",
        "  up    3. Gamma: quartile 3 -> 2 (2 -> 3 votes)",
    ]

    assert cli(db, "compare", "--event", "Tiny", "A", "A") == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["No initiative changed quartile."]

    assert cli(db, "compare", "--event", "Tiny", "A", "C") == 1
    assert "The event Tiny has no round called C." in capsys.readouterr().err


# --- backup --------------------------------------------------------------------------------------


def test_backup_is_a_copy_that_holds_the_same_events(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "backup" / "copy.sqlite3"
    copy.parent.mkdir()
    assert cli(imported, "backup", "--output", str(copy)) == 0
    assert f"to {copy}" in capsys.readouterr().out
    connection = sqlite3.connect(copy)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT name FROM events").fetchall() == [("GC",)]
    finally:
        connection.close()
    assert export_json(copy, "GC", tmp_path / "from-copy.json") == export_json(
        imported, "GC", tmp_path / "from-live.json"
    )


# --- run without a token, settings -----------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "sync"])
def test_run_without_a_token_says_how_to_get_going(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert main([command]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0]
    assert "prioritybot demo" in lines[0]


def test_prioritybot_db_is_used_when_db_is_absent(
    tmp_path: Path, ballots_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env_db = tmp_path / "from-env.sqlite3"
    monkeypatch.setenv("PRIORITYBOT_DB", str(env_db))
    monkeypatch.chdir(tmp_path)
    assert main(["import-ballots", str(ballots_file), "--event", "GC"]) == 0
    assert event_count(env_db) == 1
    assert not (tmp_path / "prioritybot.sqlite3").exists()

    out = tmp_path / "tally.csv"
    assert main(["export", "--event", "GC", "--format", "csv", "--output", str(out)]) == 0
    assert votes_by_number(read_csv_export(out)) == EXPECTED_VOTES

    # An explicit --db wins over the environment, before or after the command.
    other = tmp_path / "explicit.sqlite3"
    assert main(["--db", str(other), "import-ballots", str(ballots_file), "--event", "Elsewhere"]) == 0
    assert main(["import-ballots", str(ballots_file), "--event", "Elsewhere 2", "--db", str(other)]) == 0
    assert event_count(env_db) == 1
    assert event_count(other) == 2
    capsys.readouterr()


# --- demo ----------------------------------------------------------------------------------------


def test_demo_prints_the_report_and_writes_every_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, out_dir = tmp_path / "demo.sqlite3", tmp_path / "out"
    assert main(["demo", "--db", str(db), "--out", str(out_dir)]) == 0
    stdout = capsys.readouterr().out
    lines = stdout.splitlines()
    assert "230 ballots, 1288 picks, 1294 votes after merge rules" in lines
    assert "Quartile cut points: q25 = 14, q50 = 23, q75 = 35" in lines
    council_lines = [line for line in lines if re.match(r"\s*24\s+The Global Council\s", line)]
    assert len(council_lines) == 1
    assert re.fullmatch(r"\s*24\s+The Global Council\s+66\s+60\s+\+6\s+1", council_lines[0])
    assert any(re.fullmatch(r"\s*23\s+Interim Global Council\s+27\s+27\s+2", line) for line in lines)

    expected_files = ["ballots.csv", "tally.csv", "tally.xlsx", "tally.json", "tally.wiki", "tally.png"]
    for name in expected_files:
        assert (out_dir / name).is_file(), name
        assert f"Wrote {out_dir / name}" in lines
    rows = read_csv_export(out_dir / "tally.csv")
    assert rows[0] == CSV_HEADER
    row_24 = next(row for row in rows[1:] if row[1] == "24")
    assert dict(zip(CSV_HEADER, row_24, strict=True)) == {
        "recommendation": "4",
        "number": "24",
        "initiative": "The Global Council",
        "votes": "66",
        "raw_votes": "60",
        "merged_in": "6",
        "quartile": "1",
    }
    assert (out_dir / "tally.png").read_bytes().startswith(PNG_SIGNATURE)
    assert json.loads((out_dir / "tally.json").read_text(encoding="utf-8"))["total_votes"] == 1294
    assert load_workbook(out_dir / "tally.xlsx").sheetnames[0] == "Tally"
    assert "{|" in (out_dir / "tally.wiki").read_text(encoding="utf-8")
    ballot_rows = read_csv_export(out_dir / "ballots.csv")
    assert ballot_rows[0] == ["ballot", "room", "initiative"]
    assert len(ballot_rows) == 1 + 1288

    # A second demo on the same explicit --db refuses politely and leaves it as it was.
    before = dump(db)
    again = tmp_path / "again"
    assert main(["demo", "--db", str(db), "--out", str(again)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "prioritybot: This database already holds the demo event; run the demo on a fresh --db file."
    )
    assert dump(db) == before
    assert not again.exists()


# --- as installed --------------------------------------------------------------------------------


def test_python_m_bot_demo_runs_in_a_subprocess(tmp_path: Path) -> None:
    db, out_dir = tmp_path / "sub.sqlite3", tmp_path / "sub-out"
    env = {key: value for key, value in os.environ.items() if key not in ("PRIORITYBOT_DB", "DISCORD_TOKEN")}
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out_dir), "--db", str(db)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "1294 votes" in completed.stdout
    assert re.search(r"^\s*24\s+The Global Council\s+66\s+60\s+\+6\s+1$", completed.stdout, re.MULTILINE)
    assert event_count(db) == 1
    assert (out_dir / "tally.csv").is_file()
    assert not (out_dir / "demo.sqlite3").exists()


def test_installed_console_script_prints_help() -> None:
    script = shutil.which("prioritybot") or shutil.which("prioritybot", path=str(Path(sys.executable).parent))
    assert script is not None, "the prioritybot console script is not installed"
    completed = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("usage: prioritybot")
    for command in ("run", "sync", "demo", "import-ballots", "export", "compare", "backup"):
        assert command in completed.stdout
