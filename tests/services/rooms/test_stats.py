"""services/rooms/stats.py: hand-computed rounds, the JSON round trip, invariants."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from services.rooms.cards import DEFAULT_CARDS, Card, card_for
from services.rooms.stats import VoteStats, vote_stats

TSHIRT = [Card("XS", 1.0), Card("S", 2.0), Card("M", 3.0), Card("L", 5.0), Card("XL", 8.0)]


def test_two_different_votes() -> None:
    stats = vote_stats(["3", "8"], DEFAULT_CARDS)
    assert stats == VoteStats(
        voters=2,
        numeric=2,
        mean=5.5,
        median=5.5,
        min="3",
        max="8",
        mode=("3", "8"),
        agreement=0.5,
        consensus=False,
        suggestion="5",
    )


def test_mode_is_in_deck_order() -> None:
    assert vote_stats(["8", "3"], DEFAULT_CARDS).mode == ("3", "8")
    assert vote_stats(["8", "3", "8"], DEFAULT_CARDS).mode == ("8",)


def test_consensus() -> None:
    stats = vote_stats(["5", "5", "5"], DEFAULT_CARDS)
    assert (stats.consensus, stats.agreement, stats.suggestion) == (True, 1.0, "5")
    assert (stats.mean, stats.median, stats.min, stats.max, stats.mode) == (
        5.0, 5.0, "5", "5", ("5",),
    )  # fmt: skip


def test_only_cards_without_value() -> None:
    stats = vote_stats(["?", "☕"], DEFAULT_CARDS)
    assert (stats.voters, stats.numeric) == (2, 0)
    assert (stats.mean, stats.median, stats.suggestion, stats.min, stats.max) == (None,) * 5
    assert (stats.mode, stats.agreement, stats.consensus) == (("?", "☕"), 0.5, False)


def test_even_median_tie_goes_to_the_higher_card() -> None:
    stats = vote_stats(["1", "2", "3", "5"], DEFAULT_CARDS)
    assert (stats.median, stats.mean, stats.suggestion) == (2.5, 2.75, "3")


def test_tshirt_deck() -> None:
    stats = vote_stats(["S", "L"], TSHIRT)
    assert (stats.median, stats.suggestion, stats.min, stats.max) == (3.5, "M", "S", "L")


def test_no_votes() -> None:
    stats = vote_stats([], DEFAULT_CARDS)
    assert stats == VoteStats(0, 0, None, None, None, None, (), 0.0, False, None)


def test_votes_without_value_do_not_move_the_numbers() -> None:
    stats = vote_stats(["2", "?", "8", "?", "?"], DEFAULT_CARDS)
    assert (stats.voters, stats.numeric, stats.median, stats.suggestion) == (5, 2, 5.0, "5")
    assert (stats.mode, stats.agreement) == (("?",), 0.6)


def test_a_label_not_in_the_deck_is_a_vote_without_value() -> None:
    stats = vote_stats(["3", "gone", "gone"], DEFAULT_CARDS)
    assert (stats.voters, stats.numeric, stats.mean, stats.mode) == (3, 1, 3.0, ("gone",))
    assert vote_stats(["gone", "1"], DEFAULT_CARDS).mode == ("1", "gone")


def test_suggestion_beyond_the_deck_is_its_last_valued_card() -> None:
    deck = [Card("1", 1.0), Card("2", 2.0)]
    assert vote_stats(["2", "2"], deck).suggestion == "2"
    assert vote_stats(["1", "2"], deck).suggestion == "2"  # 1.5: a tie, the higher card


def test_huge_values_do_not_overflow() -> None:
    deck = [Card("big", 1.5e308), Card("bigger", 1.7e308)]
    stats = vote_stats(["big", "bigger"], deck)
    assert stats.mean == stats.median == 1.6e308
    assert stats.suggestion == "bigger"


def test_json_round_trip() -> None:
    for stats in (
        vote_stats(["3", "8"], DEFAULT_CARDS),
        vote_stats([], DEFAULT_CARDS),
        vote_stats(["1", "2", "2"], [Card("1", 0.1), Card("2", 0.2)]),
    ):
        data = stats.to_json()
        assert isinstance(data["mode"], list)
        assert VoteStats.from_json(data) == stats
        assert VoteStats.from_json(json.loads(json.dumps(data))) == stats
    assert set(vote_stats([], DEFAULT_CARDS).to_json()) == {
        "voters", "numeric", "mean", "median", "min", "max", "mode", "agreement",
        "consensus", "suggestion",
    }  # fmt: skip


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[list[str], list[Card]]:
    values = draw(st.lists(st.one_of(st.none(), finite), min_size=2, max_size=12))
    deck = [Card(f"c{n}", value) for n, value in enumerate(values)]
    choices = [card.label for card in deck] + ["stray"]
    return draw(st.lists(st.sampled_from(choices), max_size=30)), deck


@given(rounds())
def test_invariants(round_: tuple[list[str], list[Card]]) -> None:
    votes, deck = round_
    stats = vote_stats(votes, deck)
    assert 0.0 <= stats.agreement <= 1.0
    assert 0 <= stats.numeric <= stats.voters == len(votes)
    assert stats.consensus == (len(votes) > 0 and len(set(votes)) == 1)
    assert set(stats.mode) <= set(votes)
    assert (stats.median is None) == (stats.numeric == 0) == (stats.suggestion is None)
    if stats.median is not None:
        low, high = card_for(deck, stats.min), card_for(deck, stats.max)
        assert low is not None and high is not None
        assert low.value is not None and high.value is not None and stats.mean is not None
        assert low.value <= stats.median <= high.value
        assert low.value <= stats.mean <= high.value
        suggested = card_for(deck, stats.suggestion)
        assert suggested is not None and suggested.value is not None
    assert VoteStats.from_json(stats.to_json()) == stats
