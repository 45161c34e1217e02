from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.catalogue import Catalogue, builtin_catalogue_names, load_catalogue, parse_catalogue
from bot.domain.errors import CatalogueError

VALID = """
name = "Tiny"
[[recommendations]]
number = 1
title = "First"
  [[recommendations.initiatives]]
  number = 1
  title = "Alpha"
  titles = { fr = "Alpha (fr)" }
  [[recommendations.initiatives]]
  number = 2
  title = "Beta"
"""


def test_builtin_catalogue_matches_the_report(catalogue: Catalogue) -> None:
    assert len(catalogue.recommendations) == 10
    assert len(catalogue.initiatives) == 45
    assert [i.number for i in catalogue.initiatives] == list(range(1, 46))
    assert catalogue.initiative(24).title == "The Global Council"
    assert catalogue.initiative(23).title == "Interim Global Council"
    assert catalogue.initiative(25).title == "Regional & thematic hubs"
    assert catalogue.recommendation(4).title == "Ensure Equity in Decision-Making"
    assert [(r.source, r.target) for r in catalogue.merge_rules] == [(23, 24)]
    assert [len(r.initiatives) for r in catalogue.recommendations] == [8, 7, 6, 6, 3, 3, 2, 3, 3, 4]
    assert "builtin:movement-strategy-2020" in builtin_catalogue_names()


def test_translated_titles_fall_back_to_english() -> None:
    tiny = parse_catalogue(VALID)
    assert tiny.initiative(1).title_in("fr") == "Alpha (fr)"
    assert tiny.initiative(1).title_in("fr-CA") == "Alpha (fr)"
    assert tiny.initiative(1).title_in("de") == "Alpha"
    assert tiny.initiative(2).title_in("fr") == "Beta"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("number = 2", "number = 1"), "initiative number 1 is used twice"),
        (lambda t: t.replace('title = "Beta"', 'title = "  "'), "initiative 2 has an empty `title`"),
        (lambda t: t + "[[merge_rules]]\nsource = 1\ntarget = 9\n", "target names initiative 9"),
        (lambda t: t + "[[merge_rules]]\nsource = 2\ntarget = 2\n", "cannot merge initiative 2 into itself"),
        (lambda t: t.replace('name = "Tiny"', ""), "missing `name`"),
        (
            lambda t: t.replace("number = 2", 'number = "2"'),
            "`number` in recommendations[1].initiatives[2] must be a whole number",
        ),
        (
            lambda t: t + "[[recommendations]]\nnumber = 2\ntitle = 'Empty'\ninitiatives = []\n",
            "recommendation 2 has no initiatives",
        ),
        (lambda t: t.replace("[[recommendations]]", "[[recommendations]"), "not valid TOML"),
    ],
)
def test_invalid_catalogues_name_the_file_and_the_problem(edit, message: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(edit(VALID), "events/tiny.toml")
    assert str(caught.value).startswith("events/tiny.toml")
    assert message in str(caught.value)


def test_load_catalogue_errors_for_missing_file_and_unknown_builtin(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read the file"):
        load_catalogue(tmp_path / "missing.toml")
    with pytest.raises(CatalogueError, match="no built-in catalogue called builtin:nope"):
        load_catalogue("builtin:nope")
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('name = "caf\xe9"'.encode("latin-1"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(latin1)
