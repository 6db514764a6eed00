"""A room's deck: cards with a label (what is shown and voted) and a value (the number pushed to
Jira; None for cards that are never pushed, such as "?" and "☕").

Rules of a deck: 2 to 40 cards; labels are stripped, 1 to 16 characters, single-line text (no
NUL, lone surrogate or control character) and distinct; values are finite floats or None.

The JSON column `rooms.deck` holds either the legacy shape (a list of labels, numeric labels
valued by their number) or the current one (a list of `{"label": str, "value": float | null}`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import ServiceError, invalid
from core.text import checked_text

MAX_CARDS = 40
MIN_CARDS = 2
MAX_LABEL = 16

# A plain decimal in ASCII digits: float() alone would also value "nan", "1e3", "1_000" and
# non-ASCII digits such as "٣", which no one means as a number on a card.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


@dataclass(frozen=True)
class Card:
    label: str
    value: float | None


def label_value(label: str) -> float | None:
    """The value a bare label stands for: its number when it is a plain finite decimal
    ("3", "0.5", "13"), else None ("?", "☕", "XL")."""
    if not _NUMBER.fullmatch(label):
        return None
    value = float(label)
    return value if math.isfinite(value) else None


def _valued(label: str) -> Card:
    return Card(label, label_value(label))


DEFAULT_CARDS: tuple[Card, ...] = tuple(
    _valued(label) for label in ("0", "1", "2", "3", "5", "8", "13", "21", "?", "☕")
)


def cards_from_input(items: Sequence[tuple[str, float | None]], field: str = "cards") -> list[Card]:
    """The deck given as (label, value) pairs, validated and normalised (labels stripped).

    Refusals name the field: `cards` (count), `cards[i].label`, `cards[i].value`; of two equal
    labels the later one is named."""
    _check_count(len(items), field)
    cards = [
        Card(_label(label, f"{field}[{i}].label"), _value(value, f"{field}[{i}].value"))
        for i, (label, value) in enumerate(items)
    ]
    _check_distinct(cards, lambda i: f"{field}[{i}].label")
    return cards


def cards_from_labels(labels: Sequence[str], field: str = "deck") -> list[Card]:
    """The legacy `deck: [String!]` input: the same rules as `cards_from_input` (refusals name
    `deck` or `deck[i]`); a label that is a plain finite decimal is valued by it, others None."""
    _check_count(len(labels), field)
    cards = [_valued(_label(label, f"{field}[{i}]")) for i, label in enumerate(labels)]
    _check_distinct(cards, lambda i: f"{field}[{i}]")
    return cards


def cards_of(stored: object) -> list[Card]:
    """The deck held in the JSON column, in either shape; the default deck for anything else
    (None, empty, malformed). Never raises: the column is written only through validation, so
    this checks the shape, not the rules."""
    if not isinstance(stored, list) or not stored:
        return list(DEFAULT_CARDS)
    if all(isinstance(item, str) for item in stored):
        return [_valued(item) for item in stored]
    cards = [_stored_card(item) for item in stored]
    if any(card is None for card in cards):
        return list(DEFAULT_CARDS)
    return [card for card in cards if card is not None]


def stored_cards(cards: Sequence[Card]) -> list[dict[str, Any]]:
    """The deck in the JSON shape `cards_of` reads."""
    return [{"label": card.label, "value": card.value} for card in cards]


def labels(cards: Sequence[Card]) -> list[str]:
    return [card.label for card in cards]


def card_for(cards: Sequence[Card], label: str) -> Card | None:
    """The card with this label, or None when the deck has none."""
    return next((card for card in cards if card.label == label), None)


def _check_count(count: int, field: str) -> None:
    if not MIN_CARDS <= count <= MAX_CARDS:
        raise invalid(f"A deck has {MIN_CARDS} to {MAX_CARDS} cards.", field)


def _label(raw: object, field: str) -> str:
    if not isinstance(raw, str):
        raise invalid("A card's label must be text.", field)
    label = raw.strip()
    if not 1 <= len(label) <= MAX_LABEL:
        raise invalid(f"A card's label is 1 to {MAX_LABEL} characters.", field)
    # Content rules on the raw text (its length was judged after stripping, above): stripping
    # would otherwise silently drop a tab or other control character at either end.
    checked_text(raw, field, max_length=len(raw), label="A card's label")
    return label


def _value(raw: object, field: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise invalid("A card's value must be a number or null.", field)
    value = float(raw)
    if not math.isfinite(value):
        raise invalid("A card's value must be a finite number.", field)
    return value


def _check_distinct(cards: Sequence[Card], field_of: Callable[[int], str]) -> None:
    seen: set[str] = set()
    for i, card in enumerate(cards):
        if card.label in seen:
            raise invalid("Cards must have distinct labels.", field_of(i))
        seen.add(card.label)


def _stored_card(item: object) -> Card | None:
    if not isinstance(item, dict) or not isinstance(item.get("label"), str):
        return None
    try:
        return Card(item["label"], _value(item.get("value"), "value"))
    except ServiceError:
        return None
