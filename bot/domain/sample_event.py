"""The November 2020 Global Conversations, rebuilt as ballots that reproduce the report's table.

The report publishes only totals, so the individual ballots here are synthetic: 230 ballots of at
most six picks, spread over twelve breakout rooms, whose raw counts are the report's and in which
exactly six ballots picked "23. Interim Global Council" without "24. The Global Council" (the
footnote's six instances). Under the merge rule 23 -> 24 the tally is therefore the published one:
The Global Council 60 raw + 6 merged = 66, the Interim Global Council 27 intact, 1,294 votes in all.
"""

from __future__ import annotations

from bot.domain.ballots import Ballot

# Raw votes per initiative (the report's table, with 24 before its 6 merged instances).
REPORT_RAW_VOTES: dict[int, int] = {
    1: 34, 2: 74, 3: 62, 4: 32, 5: 11, 6: 12, 7: 18, 8: 26,
    9: 51, 10: 13, 11: 72, 12: 14, 13: 9, 14: 19, 15: 7,
    16: 61, 17: 18, 18: 15, 19: 17, 20: 28, 21: 12,
    22: 43, 23: 27, 24: 60, 25: 80, 26: 26, 27: 11,
    28: 5, 29: 16, 30: 25,
    31: 36, 32: 50, 33: 57,
    34: 21, 35: 30,
    36: 32, 37: 35, 38: 24,
    39: 22, 40: 10, 41: 23,
    42: 11, 43: 15, 44: 5, 45: 19,
}  # fmt: skip
REPORT_MERGED_INSTANCES = 6
REPORT_CUTS = (14.0, 23.0, 35.0)
REPORT_BAND_SIZES = {1: 12, 2: 11, 3: 11, 4: 11}
REPORT_ATTENDEES = 214
REPORT_FEEDBACK_RESPONSES = 84

SAMPLE_BALLOT_COUNT = 230
SAMPLE_MAX_PICKS = 6
SAMPLE_ROOMS: tuple[str, ...] = (
    "English A", "English B", "English C", "English D", "English E",
    "Arabic", "Chinese", "French", "German", "Indonesian", "Russian", "Spanish",
)  # fmt: skip
SAMPLE_ROUND = "Global priorities"
SAMPLE_EVENT = "Global Conversations November 2020"

_INTERIM, _GLOBAL_COUNCIL = 23, 24


def sample_ballots() -> list[Ballot]:
    """Deterministic ballots whose raw counts are REPORT_RAW_VOTES (see the module docstring)."""
    picks: list[set[int]] = [set() for _ in range(SAMPLE_BALLOT_COUNT)]
    both = REPORT_RAW_VOTES[_INTERIM] - REPORT_MERGED_INSTANCES
    council = REPORT_RAW_VOTES[_GLOBAL_COUNCIL]
    # Place the two councils first so that exactly six ballots hold 23 without 24.
    for index in range(council):
        picks[index].add(_GLOBAL_COUNCIL)
    for index in range(council - both, council + REPORT_MERGED_INSTANCES):
        picks[index].add(_INTERIM)
    others = sorted(
        (n for n in REPORT_RAW_VOTES if n not in (_INTERIM, _GLOBAL_COUNCIL)),
        key=lambda n: (-REPORT_RAW_VOTES[n], n),
    )
    for number in others:
        # The emptiest ballots take the next initiative: keeps every ballot within six picks.
        candidates = sorted(
            (i for i in range(SAMPLE_BALLOT_COUNT) if len(picks[i]) < SAMPLE_MAX_PICKS),
            key=lambda i: (len(picks[i]), i),
        )
        for index in candidates[: REPORT_RAW_VOTES[number]]:
            picks[index].add(number)
    return [
        Ballot(
            voter=f"demo-{index + 1:03d}",
            picks=frozenset(chosen),
            room=SAMPLE_ROOMS[index % len(SAMPLE_ROOMS)],
        )
        for index, chosen in enumerate(picks)
    ]
