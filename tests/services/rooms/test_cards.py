"""services/rooms/cards.py: deck validation, legacy labels, the JSON column's two shapes."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest

from core.errors import ErrorCode, ServiceError
from services.rooms.cards import (
    DEFAULT_CARDS,
    MAX_CARDS,
    MAX_LABEL,
    MIN_CARDS,
    Card,
    card_for,
    cards_from_input,
    cards_from_labels,
    cards_of,
    label_value,
    labels,
    stored_cards,
)


def refusal(call: Callable[..., object], *args: object, **kwargs: object) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    assert caught.value.code is ErrorCode.VALIDATION
    return caught.value


def test_default_cards() -> None:
    assert labels(DEFAULT_CARDS) == ["0", "1", "2", "3", "5", "8", "13", "21", "?", "☕"]
    assert [card.value for card in DEFAULT_CARDS] == [
        0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, None, None,
    ]  # fmt: skip
    assert (MIN_CARDS, MAX_CARDS, MAX_LABEL) == (2, 40, 16)


def test_input_is_normalised() -> None:
    cards = cards_from_input([(" XS ", 1), ("S", 2.0), ("M", 3.5), ("?", None)])
    assert cards == [Card("XS", 1.0), Card("S", 2.0), Card("M", 3.5), Card("?", None)]
    assert isinstance(cards[0].value, float)
    assert cards_from_input([("a", 5.0), ("b", None)])[0].value == 5.0


@pytest.mark.parametrize("count", [0, 1, MAX_CARDS + 1])
def test_card_count_is_bounded(count: int) -> None:
    items = [(f"c{n}", float(n)) for n in range(count)]
    assert refusal(cards_from_input, items).field == "cards"
    assert refusal(cards_from_labels, [label for label, _ in items]).field == "deck"


def test_bounds_are_inclusive() -> None:
    assert len(cards_from_input([("a", 1), ("b", 2)])) == MIN_CARDS
    assert len(cards_from_input([(f"c{n}", n) for n in range(MAX_CARDS)])) == MAX_CARDS
    long = "x" * MAX_LABEL
    assert cards_from_input([(f"  {long}  ", None), ("b", None)])[0].label == long


@pytest.mark.parametrize(
    "label", ["", "   ", "x" * (MAX_LABEL + 1), "a\x00b", "a\x07b", "\tA", "B\n", "\ud800"]
)
def test_bad_labels_are_refused(label: str) -> None:
    error = refusal(cards_from_input, [("ok", 1), ("fine", 2), ("good", 3), (label, 4)])
    assert error.field == "cards[3].label"
    assert refusal(cards_from_labels, ["1", label]).field == "deck[1]"


def test_a_label_must_be_text() -> None:
    assert refusal(cards_from_input, [("a", 1), (3, 2)]).field == "cards[1].label"


def test_duplicate_labels_name_the_later_card() -> None:
    error = refusal(cards_from_input, [("1", 1), ("2", 2), ("3", 3), (" 2", 4)])
    assert error.field == "cards[3].label"
    assert refusal(cards_from_labels, ["a", "b", "a"]).field == "deck[2]"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "3", True])
def test_bad_values_are_refused(value: object) -> None:
    error = refusal(cards_from_input, [("a", 1), ("b", 2), ("c", value)])
    assert error.field == "cards[2].value"


def test_custom_field_name() -> None:
    assert refusal(cards_from_input, [("a", 1)], field="input.cards").field == "input.cards"
    error = refusal(cards_from_input, [("a", 1), ("a", 2)], field="input.cards")
    assert error.field == "input.cards[1].label"


def test_legacy_labels_are_valued_when_numeric() -> None:
    cards = cards_from_labels(["0", "0.5", " 13 ", "?", "☕", "XL", "1e3", "nan", "inf", "٣"])
    assert [card.value for card in cards] == [
        0.0, 0.5, 13.0, None, None, None, None, None, None, None,
    ]  # fmt: skip
    assert cards[2].label == "13"


@pytest.mark.parametrize(
    ("label", "value"), [("3", 3.0), ("-1", -1.0), (".5", 0.5), ("2.", 2.0), ("1_0", None)]
)
def test_label_value(label: str, value: float | None) -> None:
    assert label_value(label) == value


def test_stored_shapes_round_trip() -> None:
    cards = cards_from_input([("S", 2), ("M", 3.5), ("?", None)])
    stored = stored_cards(cards)
    assert stored == [
        {"label": "S", "value": 2.0},
        {"label": "M", "value": 3.5},
        {"label": "?", "value": None},
    ]
    assert cards_of(json.loads(json.dumps(stored))) == cards


def test_legacy_column_is_read() -> None:
    assert cards_of(["1", "2", "3", "?"]) == [
        Card("1", 1.0), Card("2", 2.0), Card("3", 3.0), Card("?", None),
    ]  # fmt: skip
    assert cards_of([{"label": "A", "value": 1}, {"label": "B"}]) == [
        Card("A", 1.0), Card("B", None),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "stored",
    [
        None,
        [],
        {},
        "1,2,3",
        42,
        ["1", 2],
        [{"label": "A", "value": 1}, "B"],
        [{"label": 1, "value": 1}],
        [{"value": 1}],
        [{"label": "A", "value": "1"}],
        [{"label": "A", "value": math.nan}],
        [{"label": "A", "value": True}],
    ],
)
def test_anything_else_reads_as_the_default(stored: object) -> None:
    assert cards_of(stored) == list(DEFAULT_CARDS)


def test_card_for() -> None:
    assert card_for(DEFAULT_CARDS, "8") == Card("8", 8.0)
    assert card_for(DEFAULT_CARDS, "?") == Card("?", None)
    assert card_for(DEFAULT_CARDS, "4") is None
