"""Reading ballots from a CSV file (``ballot,room,initiative``, one row per pick)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from bot.domain.ballots import Ballot, PickLimits, validate_picks
from bot.domain.catalogue import Catalogue
from bot.domain.errors import BallotError, ImportFileError

REQUIRED_COLUMNS = ("ballot", "room", "initiative")
MAX_FIELD_LENGTH = 200


def parse_ballot_csv(
    raw: bytes, catalogue: Catalogue, limits: PickLimits, source: str = "ballots.csv"
) -> list[Ballot]:
    """Parse and validate the whole file; the first problem raises an ImportFileError naming its line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            "{source}, line {line}: the file is not UTF-8 text.", source=source, line=line
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("{source}: the file is empty.", source=source) from None
    except csv.Error as exc:
        raise ImportFileError("{source}, line 1: {detail}.", source=source, detail=str(exc)) from None
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            "{source}, line 1: missing column {column} (the header must be ballot,room,initiative).",
            source=source,
            column=", ".join(missing),
        )
    index = {name: columns.index(name) for name in REQUIRED_COLUMNS}
    picks: dict[str, list[int]] = defaultdict(list)
    rooms: dict[str, str] = {}
    first_line: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(columns):
                raise ImportFileError(
                    "{source}, line {line}: expected {expected} values, found {found}.",
                    source=source,
                    line=line,
                    expected=len(columns),
                    found=len(row),
                )
            ballot_id, room, initiative = (row[index[name]].strip() for name in REQUIRED_COLUMNS)
            for name, value in (("ballot", ballot_id), ("room", room)):
                if len(value) > MAX_FIELD_LENGTH or any(ord(ch) < 32 for ch in value):
                    raise ImportFileError(
                        "{source}, line {line}: the {column} value is too long or contains control characters.",
                        source=source,
                        line=line,
                        column=name,
                    )
            if not ballot_id:
                raise ImportFileError(
                    "{source}, line {line}: the ballot id is empty.", source=source, line=line
                )
            try:
                number = int(initiative)
            except ValueError:
                raise ImportFileError(
                    "{source}, line {line}: the initiative must be a number, not {value!r}.",
                    source=source,
                    line=line,
                    value=initiative[:40],
                ) from None
            if number not in catalogue.initiative_numbers:
                raise ImportFileError(
                    "{source}, line {line}: there is no initiative {number} in the catalogue.",
                    source=source,
                    line=line,
                    number=number,
                )
            if number in picks[ballot_id]:
                raise ImportFileError(
                    "{source}, line {line}: ballot {ballot} picks initiative {number} twice.",
                    source=source,
                    line=line,
                    ballot=ballot_id,
                    number=number,
                )
            if ballot_id in rooms and rooms[ballot_id] != room:
                raise ImportFileError(
                    "{source}, line {line}: ballot {ballot} appears in two rooms ({first} and {second}).",
                    source=source,
                    line=line,
                    ballot=ballot_id,
                    first=rooms[ballot_id],
                    second=room,
                )
            rooms[ballot_id] = room
            first_line.setdefault(ballot_id, line)
            picks[ballot_id].append(number)
            if limits.max_picks is not None and len(picks[ballot_id]) > limits.max_picks:
                raise ImportFileError(
                    "{source}, line {line}: ballot {ballot} has more than {max_picks} picks, the round's limit.",
                    source=source,
                    line=line,
                    ballot=ballot_id,
                    max_picks=limits.max_picks,
                )
    except csv.Error as exc:
        raise ImportFileError(
            "{source}, line {line}: {detail}.", source=source, line=reader.line_num, detail=str(exc)
        ) from None
    ballots = []
    for ballot_id, numbers in picks.items():
        try:
            chosen = validate_picks(catalogue, numbers, limits)
        except BallotError as exc:
            raise ImportFileError(
                "{source}, line {line}: ballot {ballot}: {problem}",
                source=source,
                line=first_line[ballot_id],
                ballot=ballot_id,
                problem=exc.render(),
            ) from None
        ballots.append(Ballot(ballot_id, chosen, rooms[ballot_id] or None))
    if not ballots:
        raise ImportFileError("{source}: the file has a header but no ballots.", source=source)
    return ballots


def ballots_to_csv(ballots: list[Ballot]) -> str:
    """The import format, written back (used by the demo and by tests)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUIRED_COLUMNS)
    for ballot in ballots:
        for number in sorted(ballot.picks):
            writer.writerow((ballot.voter, ballot.room or "", number))
    return out.getvalue()
