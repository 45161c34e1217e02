"""The ballot form's submission is read from the raw payload, whatever a client sends."""

from __future__ import annotations

import pytest

from bot.domain.errors import UserError
from bot.ui.ballot import _form_choices


def label(custom_id: str, values: list[str]) -> dict[str, object]:
    return {"type": 18, "id": 2, "component": {"type": 3, "custom_id": custom_id, "values": values}}


def test_choices_are_collected_from_every_menu_of_the_round_inside_labels() -> None:
    components = [
        {"type": 10, "id": 1},
        label("pb:ballot:4:0", ["1", "2"]),
        label("pb:ballot:4:1", ["30"]),
        label("pb:ballot:5:0", ["9"]),  # another round's menu is never counted
        {"type": 1, "components": [{"type": 3, "custom_id": "pb:ballot:4:2", "values": ["44"]}]},
    ]
    assert _form_choices(4, components) == {1, 2, 30, 44}


def test_an_empty_form_is_an_empty_choice() -> None:
    assert _form_choices(4, [label("pb:ballot:4:0", []), label("pb:ballot:4:1", [])]) == set()


@pytest.mark.parametrize("value", ["x", "-1", "1.5", ""])
def test_a_value_that_is_no_initiative_number_is_refused(value: str) -> None:
    with pytest.raises(UserError, match="out of date"):
        _form_choices(4, [label("pb:ballot:4:0", ["1", value])])
