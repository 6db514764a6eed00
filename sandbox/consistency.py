"""Eventual consistency of search/jql: recent writes stay invisible for a switchable lag."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import TYPE_CHECKING

from sandbox.store import Issue, Site

if TYPE_CHECKING:
    from sandbox.state import SandboxState


def remember(state: SandboxState, site: Site, issue_id: int, before: Issue | None) -> None:
    """Keep what search saw before a write (None: the issue did not exist yet)."""
    if state.search_lag_seconds <= 0:
        return
    now = state.clock.now()
    current = site.stale.get(issue_id)
    if current and current[1] > now:
        return  # the oldest snapshot of the window is the one search still serves
    snapshot = copy.deepcopy(before) if before is not None else None
    site.stale[issue_id] = (snapshot, now + timedelta(seconds=state.search_lag_seconds))


def search_view(state: SandboxState, site: Site, reconcile: set[int]) -> list[Issue]:
    """The issues search sees now; `reconcileIssues` ids are read after their writes."""
    now = state.clock.now()
    seen: list[Issue] = []
    for issue in site.issues.values():
        stale = site.stale.get(issue.id)
        if stale and stale[1] > now and issue.id not in reconcile:
            if stale[0] is not None:
                seen.append(stale[0])
        else:
            seen.append(issue)
    return seen
