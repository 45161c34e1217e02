from __future__ import annotations

import pytest

from bot.domain.ballot_import import ballots_to_csv, parse_ballot_csv
from bot.domain.ballots import PickLimits, validate_picks
from bot.domain.catalogue import Catalogue
from bot.domain.errors import BallotError, ImportFileError
from bot.domain.sample_event import sample_ballots

NO_LIMIT = PickLimits(1, None)


def test_round_trip_of_the_sample_ballots(catalogue: Catalogue) -> None:
    ballots = sample_ballots()
    parsed = parse_ballot_csv(ballots_to_csv(ballots).encode(), catalogue, PickLimits(1, 6))
    assert {(b.voter, b.room, b.picks) for b in parsed} == {(b.voter, b.room, b.picks) for b in ballots}


@pytest.mark.parametrize(
    ("content", "limits", "message"),
    [
        (b"ballot,room,initiative\nb1,A,99\n", NO_LIMIT, "line 2: there is no initiative 99"),
        (b"ballot,room,initiative\nb1,A,3\nb1,A,3\n", NO_LIMIT, "line 3: ballot b1 picks initiative 3 twice"),
        (
            b"ballot,room,initiative\nb1,A,1\nb1,A,2\nb1,A,3\n",
            PickLimits(1, 2),
            "line 4: ballot b1 has more than 2 picks",
        ),
        (b"ballot,initiative\nb1,3\n", NO_LIMIT, "line 1: missing column room"),
        (b"ballot,room,initiative\nb1,A,x\n", NO_LIMIT, "line 2: the initiative must be a number"),
        (b"ballot,room,initiative\nb1,Caf\xe9,1\n", NO_LIMIT, "line 2: the file is not UTF-8"),
        (b"", NO_LIMIT, "the file is empty"),
        (b"ballot,room,initiative\n", NO_LIMIT, "no ballots"),
        (b"ballot,room,initiative\nb1,A\n", NO_LIMIT, "line 2: expected 3 values"),
        (b"ballot,room,initiative\nb1,A,1\nb1,B,2\n", NO_LIMIT, "line 3: ballot b1 appears in two rooms"),
        (
            b"ballot,room,initiative\nb1,A,1\n",
            PickLimits(2, 6),
            "ballot b1: You picked 1 initiatives; this round needs at least 2",
        ),
    ],
)
def test_bad_files_name_the_line(
    catalogue: Catalogue, content: bytes, limits: PickLimits, message: str
) -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_ballot_csv(content, catalogue, limits, source="in.csv")
    assert message in str(caught.value)
    assert str(caught.value).startswith("in.csv")


def test_validate_picks(catalogue: Catalogue) -> None:
    assert validate_picks(catalogue, [1, 2], PickLimits(1, 6)) == frozenset({1, 2})
    with pytest.raises(BallotError, match="at most 6"):
        validate_picks(catalogue, range(1, 8), PickLimits(1, 6))
    with pytest.raises(BallotError, match="no initiative 0"):
        validate_picks(catalogue, [0], PickLimits(1, 6))
    with pytest.raises(BallotError, match="at least 1"):
        validate_picks(catalogue, [], PickLimits(1, 6))
    with pytest.raises(BallotError, match="more than once"):
        validate_picks(catalogue, [3, 3], PickLimits(1, 6))
