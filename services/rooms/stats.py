"""Statistics of one round's votes, each vote being the label of the card voted.

- `voters`: the number of votes; `numeric`: the votes on a card with a value. A label that is
  not in the deck counts as a vote without value.
- `mean`, `median`: over the numeric votes' values (None without any); the median of an even
  count is the mean of the two middle values.
- `min`, `max`: the labels of the lowest and highest valued cards voted (None without any; of
  cards of equal value, the first in deck order).
- `mode`: the most frequent labels, ties all listed in deck order (labels not in the deck after
  them, in order of first vote); empty without votes.
- `agreement`: the share of the votes on the first mode, 0..1 (0.0 without votes).
- `consensus`: at least one vote, and every vote on the same label.
- `suggestion`: the label of the valued deck card nearest the median, a tie going to the higher
  value (of cards of equal value, the first in deck order); None when the median is None.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from services.rooms.cards import Card


@dataclass(frozen=True)
class VoteStats:
    voters: int
    numeric: int
    mean: float | None
    median: float | None
    min: str | None
    max: str | None
    mode: tuple[str, ...]
    agreement: float
    consensus: bool
    suggestion: str | None

    def to_json(self) -> dict[str, Any]:
        """A plain dict for a JSON column (`mode` as a list); `from_json` reads it back."""
        data = asdict(self)
        data["mode"] = list(self.mode)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VoteStats:
        """The stats `to_json` wrote (KeyError, TypeError or ValueError for other data)."""
        return cls(
            voters=int(data["voters"]),
            numeric=int(data["numeric"]),
            mean=_optional_float(data["mean"]),
            median=_optional_float(data["median"]),
            min=data["min"],
            max=data["max"],
            mode=tuple(data["mode"]),
            agreement=float(data["agreement"]),
            consensus=bool(data["consensus"]),
            suggestion=data["suggestion"],
        )


def vote_stats(votes: Sequence[str], cards: Sequence[Card]) -> VoteStats:
    """The statistics of `votes` (labels) on the deck `cards`; the rules are the module's."""
    deck = {card.label: card for card in reversed(cards)}  # reversed: the first card wins
    valued = [deck[vote] for vote in votes if vote in deck and deck[vote].value is not None]
    values = [_exact(card) for card in valued]
    counts = Counter(votes)
    mode = _mode(counts, cards)
    median = _median(values)
    voted = [c for c in cards if c.label in counts and deck[c.label] is c and c.value is not None]
    lowest = min(voted, key=_exact, default=None)  # min/max keep the first in deck order
    highest = max(voted, key=_exact, default=None)
    return VoteStats(
        voters=len(votes),
        numeric=len(values),
        mean=float(sum(values) / len(values)) if values else None,
        median=None if median is None else float(median),
        min=None if lowest is None else lowest.label,
        max=None if highest is None else highest.label,
        mode=mode,
        agreement=counts[mode[0]] / len(votes) if votes else 0.0,
        consensus=len(counts) == 1,
        suggestion=None if median is None else _nearest(cards, median),
    )


# Exact arithmetic: float sums of large values overflow, and a median halfway between two cards
# must be a true tie for the tie rule (so it goes to the higher card), not a rounding accident.
def _exact(card: Card) -> Fraction:
    assert card.value is not None
    return Fraction(card.value)


def _median(values: Sequence[Fraction]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _mode(counts: Counter[str], cards: Sequence[Card]) -> tuple[str, ...]:
    if not counts:
        return ()
    top = max(counts.values())
    deck_order = list(dict.fromkeys(card.label for card in cards if counts[card.label] == top))
    others = [label for label, n in counts.items() if n == top and label not in deck_order]
    return (*deck_order, *others)


def _nearest(cards: Sequence[Card], median: Fraction) -> str | None:
    valued = [card for card in cards if card.value is not None]
    # min() keeps the first of equal keys: nearest, then higher value, then deck order.
    best = min(valued, key=lambda card: (abs(_exact(card) - median), -_exact(card)), default=None)
    return None if best is None else best.label


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
