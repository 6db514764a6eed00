"""The demo seed: summaries read as whole phrases; one demo email shared with AgileKit."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.seed import DEMO_ACCOUNT_ID, VERBS, seed_demo
from sandbox.store import World


def seeded() -> World:
    world = World()
    seed_demo(world, datetime(2026, 3, 2, tzinfo=UTC))
    return world


def test_every_summary_starts_with_a_capitalised_verb_phrase() -> None:
    summaries = [i.summary for s in seeded().sites.values() for i in s.issues.values()]
    assert len(summaries) >= 60
    assert [s for s in summaries if s[0].islower()] == []
    assert all(any(s.startswith(f"{verb} ") for verb in VERBS) for s in summaries)
    # the multi-word verb is seeded whole (it once came out as "up onboarding flow")
    assert any(s.startswith("Speed up ") for s in summaries)


def test_the_seed_is_deterministic() -> None:
    first, second = seeded(), seeded()
    for cloud_id, site in first.sites.items():
        assert [i.summary for i in site.issues.values()] == [
            i.summary for i in second.sites[cloud_id].issues.values()
        ]


def test_dana_demo_uses_the_agilekit_demo_email() -> None:
    dana = seeded().accounts[DEMO_ACCOUNT_ID]
    assert (dana.display_name, dana.email) == ("Dana Demo", "demo@agilekit.dev")
