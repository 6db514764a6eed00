"""The process-wide collaborators the app, resolvers and jobs share, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    # Filled by app start-up as the features that own them land (bus, job queue, Jira HTTP...).
    extras: dict[str, Any] = field(default_factory=dict)
