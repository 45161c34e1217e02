"""The tally: raw counts, the report's merge rule and its quartile bands.

The rules, exactly as the November 2020 Global Conversations report applied them:

* raw votes of an initiative = the ballots that picked it (every initiative appears, zero included);
* a merge rule S -> T: a ballot that picked S but not T also counts for T, and S keeps its own
  count. Rules are evaluated against each *original* ballot (no chaining), and a ballot adds at
  most 1 to a target however many of its rules fire;
* quartile cut points q25, q50, q75 of the merged counts of all catalogue initiatives, with linear
  interpolation (QUARTILE.INC, numpy's default); quartile 1 ("100-75%", most voted) if
  count >= q75, 2 if >= q50, 3 if >= q25, else 4.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot.domain.catalogue import Catalogue, Initiative, MergeRule


def _(message: str) -> str:
    """Marks a label for the translation catalogues; the reader's language is applied where shown."""
    return message


QUARTILE_LABELS = {
    1: _("First quartile (most voted): 100-75%"),
    2: _("Second quartile: 75-50%"),
    3: _("Third quartile: 50-25%"),
    4: _("Fourth quartile (least voted): 25-0%"),
}


@dataclass(frozen=True)
class QuartileCuts:
    q25: float
    q50: float
    q75: float

    def quartile_of(self, count: float) -> int:
        if count >= self.q75:
            return 1
        if count >= self.q50:
            return 2
        if count >= self.q25:
            return 3
        return 4


@dataclass(frozen=True)
class InitiativeResult:
    initiative: Initiative
    raw_votes: int
    votes: int  # after merge rules
    quartile: int

    @property
    def number(self) -> int:
        return self.initiative.number

    @property
    def merged_in(self) -> int:
        return self.votes - self.raw_votes


@dataclass(frozen=True)
class RuleInstances:
    """How many ballots a merge rule added to its target (the report's "6 instances")."""

    rule: MergeRule
    ballots_added: int


@dataclass(frozen=True)
class RecommendationSubtotal:
    number: int
    title: str
    raw_votes: int
    votes: int


@dataclass(frozen=True)
class Tally:
    catalogue: Catalogue
    ballot_count: int
    results: tuple[InitiativeResult, ...]  # catalogue order
    cuts: QuartileCuts
    rule_instances: tuple[RuleInstances, ...]

    @property
    def total_raw_votes(self) -> int:
        return sum(r.raw_votes for r in self.results)

    @property
    def total_votes(self) -> int:
        return sum(r.votes for r in self.results)

    def result(self, number: int) -> InitiativeResult:
        for result in self.results:
            if result.number == number:
                return result
        raise KeyError(number)

    def ranked(self) -> list[InitiativeResult]:
        """Most voted first; ties keep catalogue order, so the order is stable."""
        return sorted(self.results, key=lambda r: -r.votes)

    def band_sizes(self) -> dict[int, int]:
        sizes = Counter(r.quartile for r in self.results)
        return {q: sizes.get(q, 0) for q in (1, 2, 3, 4)}

    def recommendation_subtotals(self) -> list[RecommendationSubtotal]:
        subtotals = []
        for rec in self.catalogue.recommendations:
            numbers = {i.number for i in rec.initiatives}
            rows = [r for r in self.results if r.number in numbers]
            subtotals.append(
                RecommendationSubtotal(
                    rec.number, rec.title, sum(r.raw_votes for r in rows), sum(r.votes for r in rows)
                )
            )
        return subtotals


def quartile_cuts(counts: Sequence[float]) -> QuartileCuts:
    """Cut points by linear interpolation (QUARTILE.INC); all zero for an empty catalogue."""
    if len(counts) == 0:
        return QuartileCuts(0.0, 0.0, 0.0)
    q25, q50, q75 = np.percentile(np.asarray(counts, dtype=float), [25, 50, 75], method="linear")
    return QuartileCuts(float(q25), float(q50), float(q75))


def merge_increments(
    picks_per_ballot: Iterable[frozenset[int]], rules: Sequence[MergeRule]
) -> tuple[Counter[int], Counter[int]]:
    """Per-target increments and per-rule instance counts, evaluated on each original ballot."""
    added_to_target: Counter[int] = Counter()
    rule_counts: Counter[int] = Counter()
    if not rules:
        return added_to_target, rule_counts
    sources = {rule.source for rule in rules}
    for picks in picks_per_ballot:
        if sources.isdisjoint(picks):
            continue
        targets_hit: set[int] = set()
        for index, rule in enumerate(rules):
            if rule.source in picks and rule.target not in picks:
                rule_counts[index] += 1
                targets_hit.add(rule.target)
        # A ballot adds at most one vote to a target, however many of its rules fire.
        added_to_target.update(targets_hit)
    return added_to_target, rule_counts


def tally(catalogue: Catalogue, picks_per_ballot: Iterable[Iterable[int]]) -> Tally:
    """Count the ballots (each an iterable of initiative numbers) under the catalogue's rules."""
    ballots = [frozenset(picks) for picks in picks_per_ballot]
    raw: Counter[int] = Counter()
    for picks in ballots:
        raw.update(picks)
    unknown = set(raw) - catalogue.initiative_numbers
    if unknown:
        raise ValueError(f"ballots pick initiatives outside the catalogue: {sorted(unknown)}")
    rules = catalogue.merge_rules
    added, rule_counts = merge_increments(ballots, rules)
    return _build(catalogue, len(ballots), raw, added, rule_counts)


def tally_pairs(catalogue: Catalogue, ballot_ids: Sequence[int], initiatives: Sequence[int]) -> Tally:
    """The same tally from a table of picks, one (ballot, initiative) pair per row.

    This is the shape the database holds; counting it column-wise with pandas avoids building a
    set per ballot, which matters for rounds of 100,000 ballots. ``tally`` stays the reference:
    the tests check that both agree on every input.
    """
    picks = pd.DataFrame(
        {
            "ballot": np.asarray(ballot_ids, dtype=np.int64),
            "initiative": np.asarray(initiatives, dtype=np.int64),
        }
    )
    raw = picks["initiative"].value_counts()
    unknown = set(raw.index) - catalogue.initiative_numbers
    if unknown:
        raise ValueError(f"ballots pick initiatives outside the catalogue: {sorted(unknown)}")
    ballots_with = {number: picks.loc[picks["initiative"] == number, "ballot"].to_numpy() for number in
                    {n for rule in catalogue.merge_rules for n in (rule.source, rule.target)}}  # fmt: skip
    rule_counts: Counter[int] = Counter()
    fired_by_target: dict[int, list[np.ndarray]] = {}
    for index, rule in enumerate(catalogue.merge_rules):
        # Ballots that picked the source but not the target, judged on the original ballots.
        fired = np.setdiff1d(ballots_with[rule.source], ballots_with[rule.target])
        rule_counts[index] = len(fired)
        fired_by_target.setdefault(rule.target, []).append(fired)
    # A ballot adds at most one vote to a target, however many of its rules fire.
    added = Counter(
        {target: len(np.unique(np.concatenate(arrays))) for target, arrays in fired_by_target.items()}
    )
    raw_counts = Counter({int(number): int(count) for number, count in raw.items()})
    return _build(catalogue, int(picks["ballot"].nunique()), raw_counts, added, rule_counts)


def tally_from_counts(
    catalogue: Catalogue,
    ballot_count: int,
    raw_votes: dict[int, int],
    merged_in: dict[int, int],
    rule_instances: Sequence[int],
) -> Tally:
    """Build a Tally from counts computed elsewhere (e.g. by SQL over a large round)."""
    return _build(
        catalogue,
        ballot_count,
        Counter(raw_votes),
        Counter(merged_in),
        Counter(dict(enumerate(rule_instances))),
    )


def _build(
    catalogue: Catalogue, ballot_count: int, raw: Counter[int], added: Counter[int], rule_counts: Counter[int]
) -> Tally:
    initiatives = catalogue.initiatives
    merged = [raw[i.number] + added[i.number] for i in initiatives]
    cuts = quartile_cuts(merged)
    results = tuple(
        InitiativeResult(i, raw[i.number], votes, cuts.quartile_of(votes))
        for i, votes in zip(initiatives, merged, strict=True)
    )
    instances = tuple(
        RuleInstances(rule, rule_counts[index]) for index, rule in enumerate(catalogue.merge_rules)
    )
    return Tally(catalogue, ballot_count, results, cuts, instances)


@dataclass(frozen=True)
class QuartileMove:
    initiative: Initiative
    quartile_before: int
    quartile_after: int
    votes_before: int
    votes_after: int

    @property
    def direction(self) -> str:
        return "up" if self.quartile_after < self.quartile_before else "down"


def compare_tallies(before: Tally, after: Tally) -> list[QuartileMove]:
    """Initiatives whose quartile changed between two tallies of the same catalogue.

    "Up" means towards quartile 1 (more pronounced). Sorted by the size of the move, then number.
    """
    moves = []
    for old, new in zip(before.results, after.results, strict=True):
        if old.quartile != new.quartile:
            moves.append(QuartileMove(new.initiative, old.quartile, new.quartile, old.votes, new.votes))
    return sorted(moves, key=lambda m: (-abs(m.quartile_before - m.quartile_after), m.initiative.number))
