"""GraphiQL page; its assets are served by this server (see `make setup`), not a CDN."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "static" / "graphiql"


def graphiql_html(assets_url: str) -> str:
    # Placeholder page until the offline GraphiQL bundle lands.
    return f"<!doctype html><title>AgileKit GraphiQL</title><p>assets at {assets_url}</p>"
