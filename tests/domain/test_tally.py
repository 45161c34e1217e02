from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue import Catalogue, MergeRule, parse_catalogue
from bot.domain.sample_event import (
    REPORT_BAND_SIZES,
    REPORT_CUTS,
    REPORT_RAW_VOTES,
    SAMPLE_MAX_PICKS,
    sample_ballots,
)
from bot.domain.tally import compare_tallies, quartile_cuts, tally, tally_pairs

# The report's published table: votes after the merge rule (24 = 60 raw + 6 merged).
REPORT_TABLE = {**REPORT_RAW_VOTES, 24: 66}


def test_sample_ballots_reproduce_the_report_table(catalogue: Catalogue) -> None:
    ballots = sample_ballots()
    result = tally(catalogue, [b.picks for b in ballots])

    assert {r.number: r.votes for r in result.results} == REPORT_TABLE
    assert result.result(24).raw_votes == 60
    assert result.result(24).votes == 66
    assert result.result(24).merged_in == 6
    assert result.result(23).votes == result.result(23).raw_votes == 27
    assert result.total_votes == 1294
    assert result.total_raw_votes == 1288
    assert result.rule_instances[0].ballots_added == 6
    assert all(len(b.picks) <= SAMPLE_MAX_PICKS for b in ballots)


def test_report_cut_points_and_band_sizes(catalogue: Catalogue) -> None:
    result = tally(catalogue, [b.picks for b in sample_ballots()])

    assert (result.cuts.q25, result.cuts.q50, result.cuts.q75) == REPORT_CUTS == (14, 23, 35)
    assert result.band_sizes() == REPORT_BAND_SIZES == {1: 12, 2: 11, 3: 11, 4: 11}


@pytest.mark.parametrize(
    ("number", "quartile"),
    [
        (25, 1),  # 80, most voted
        (24, 1),  # 66 after merge
        (37, 1),  # 35 = q75 exactly: the boundary belongs to the upper band
        (1, 2),  # 34, just below q75
        (41, 2),  # 23 = q50
        (39, 3),  # 22
        (10, 4),  # 13, just below q25 = 14
        (12, 3),  # 14 = q25
        (28, 4),  # 5, least voted
    ],
)
def test_report_quartiles(catalogue: Catalogue, number: int, quartile: int) -> None:
    result = tally(catalogue, [b.picks for b in sample_ballots()])
    assert result.result(number).quartile == quartile


def test_quartile_cuts_use_linear_interpolation() -> None:
    cuts = quartile_cuts([1, 2, 3, 4])
    assert (cuts.q25, cuts.q50, cuts.q75) == (1.75, 2.5, 3.25)


SMALL = parse_catalogue(
    """
name = "small"
[[recommendations]]
number = 1
title = "R"
  [[recommendations.initiatives]]
  number = 1
  title = "one"
  [[recommendations.initiatives]]
  number = 2
  title = "two"
  [[recommendations.initiatives]]
  number = 3
  title = "three"
  [[recommendations.initiatives]]
  number = 4
  title = "four"
[[merge_rules]]
source = 1
target = 2
[[merge_rules]]
source = 3
target = 2
[[merge_rules]]
source = 2
target = 4
"""
)


def test_merge_rule_counts_source_only_ballots_for_the_target() -> None:
    result = tally(SMALL.with_merge_rules([MergeRule(1, 2)]), [{1}, {1, 2}, {2}, {3}])
    assert result.result(1).votes == 2  # the source keeps its own count
    assert result.result(2).raw_votes == 2
    assert result.result(2).votes == 3  # only the {1} ballot is added
    assert result.rule_instances[0].ballots_added == 1


def test_a_ballot_adds_at_most_one_to_a_target_and_rules_do_not_chain() -> None:
    result = tally(SMALL, [{1, 3}])
    # 1 -> 2 and 3 -> 2 both fire but the ballot adds a single vote to 2 ...
    assert result.result(2).votes == 1
    assert [i.ballots_added for i in result.rule_instances] == [1, 1, 0]
    # ... and 2 -> 4 is evaluated on the original ballot, which did not pick 2: no chaining.
    assert result.result(4).votes == 0


def test_every_initiative_appears_even_with_no_votes(catalogue: Catalogue) -> None:
    result = tally(catalogue, [])
    assert len(result.results) == 45
    assert {r.votes for r in result.results} == {0}
    assert {r.quartile for r in result.results} == {1}  # all equal: one shared band


def test_ranked_orders_by_votes_then_catalogue_order(catalogue: Catalogue) -> None:
    ranked = tally(catalogue, [b.picks for b in sample_ballots()]).ranked()
    assert [r.number for r in ranked[:3]] == [25, 2, 11]


def test_compare_reports_quartile_moves() -> None:
    before = tally(SMALL.with_merge_rules([]), [{1}, {1}, {1}, {2}])
    after = tally(SMALL.with_merge_rules([]), [{4}, {4}, {4}, {2}])
    moves = {
        m.initiative.number: (m.quartile_before, m.quartile_after, m.direction)
        for m in compare_tallies(before, after)
    }
    assert moves[4] == (3, 1, "up")
    assert moves[1] == (1, 3, "down")
    assert 2 not in moves


ballot_lists = st.lists(
    st.frozensets(st.integers(min_value=1, max_value=4), min_size=1, max_size=4), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(ballot_lists)
def test_merge_never_lowers_a_count_and_never_changes_the_source(ballots: list[frozenset[int]]) -> None:
    merged = tally(SMALL, ballots)
    unmerged = tally(SMALL.with_merge_rules([]), ballots)
    for with_rules, without in zip(merged.results, unmerged.results, strict=True):
        assert with_rules.votes >= without.votes
        assert with_rules.raw_votes == without.votes
    for rule in SMALL.merge_rules:
        assert merged.result(rule.source).raw_votes == unmerged.result(rule.source).votes
    # every target gains at most one vote per ballot
    assert all(r.merged_in <= len(ballots) for r in merged.results)


@settings(max_examples=200, deadline=None)
@given(ballot_lists)
def test_equal_counts_share_a_quartile(ballots: list[frozenset[int]]) -> None:
    result = tally(SMALL, ballots)
    by_votes: dict[int, set[int]] = {}
    for r in result.results:
        by_votes.setdefault(r.votes, set()).add(r.quartile)
    assert all(len(quartiles) == 1 for quartiles in by_votes.values())
    # and more votes never means a lower band
    ordered = sorted(result.results, key=lambda r: r.votes)
    assert all(a.quartile >= b.quartile for a, b in itertools.pairwise(ordered))


@settings(max_examples=200, deadline=None)
@given(ballot_lists, st.frozensets(st.integers(min_value=1, max_value=4), min_size=1, max_size=4))
def test_adding_a_ballot_never_lowers_any_count(ballots: list[frozenset[int]], extra: frozenset[int]) -> None:
    before = tally(SMALL, ballots)
    after = tally(SMALL, [*ballots, extra])
    for old, new in zip(before.results, after.results, strict=True):
        assert new.votes >= old.votes
        assert new.raw_votes >= old.raw_votes
    assert after.ballot_count == before.ballot_count + 1


def test_ballots_outside_the_catalogue_are_rejected(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="outside the catalogue"):
        tally(catalogue, [{46}])


def _pairs(ballots: list[frozenset[int]]) -> tuple[list[int], list[int]]:
    ballot_ids = [index for index, picks in enumerate(ballots) for _ in picks]
    initiatives = [number for picks in ballots for number in picks]
    return ballot_ids, initiatives


@settings(max_examples=300, deadline=None)
@given(st.lists(st.frozensets(st.integers(min_value=1, max_value=4), min_size=1, max_size=4), max_size=40))
def test_the_pick_table_tally_agrees_with_the_reference(ballots: list[frozenset[int]]) -> None:
    assert tally_pairs(SMALL, *_pairs(ballots)) == tally(SMALL, ballots)


def test_the_pick_table_tally_reproduces_the_report(catalogue: Catalogue) -> None:
    ballots = [b.picks for b in sample_ballots()]
    from_pairs = tally_pairs(catalogue, *_pairs(ballots))
    assert from_pairs == tally(catalogue, ballots)
    assert from_pairs.result(24).votes == 66
    assert from_pairs.rule_instances[0].ballots_added == 6
