"""GET /_sandbox: an HTML page for people: the world, the admin endpoints and useful links."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from sandbox.gateway import sandbox_state
from sandbox.state import SandboxState
from sandbox.store import Site

STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem}"
    "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"
    "code{background:#f4f4f4;padding:0 .2rem}"
)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _site_section(site: Site) -> str:
    projects = _table(
        ["key", "id", "name", "managed", "estimation field"],
        [
            [escape(p.key), escape(p.id), escape(p.name),
             "team" if p.simplified else "company", f"<code>{escape(p.estimation_field_id)}</code>"]
            for p in site.projects.values()
        ],
    )  # fmt: skip
    boards = _table(
        ["id", "name", "type", "project"],
        [[str(b.id), escape(b.name), escape(b.type), escape(b.project_key)]
         for b in site.boards.values()],
    )  # fmt: skip
    sprints = _table(
        ["id", "name", "state", "origin board"],
        [[str(s.id), escape(s.name), f'<span class="state">{escape(s.state)}</span>',
          str(s.origin_board_id)] for s in site.sprints.values()],
    )  # fmt: skip
    return (
        f'<section class="site" id="site-{escape(site.cloud_id)}">'
        f"<h2>{escape(site.name)}</h2>"
        f"<p>cloudId <code>{escape(site.cloud_id)}</code> &middot; {escape(site.url)} &middot; "
        f"{len(site.issues)} issues &middot; {len(site.webhooks)} webhooks</p>"
        f"<h3>Projects</h3>{projects}<h3>Boards</h3>{boards}<h3>Sprints</h3>{sprints}</section>"
    )


def _admin_routes(routes: list[BaseRoute]) -> list[tuple[str, str]]:
    """(methods, path) of every route under the /_sandbox mount of this app."""
    mount = next((r for r in routes if isinstance(r, Mount) and r.path == "/_sandbox"), None)
    found = []
    for route in mount.routes if mount else []:
        if isinstance(route, Route) and route.path != "/":
            methods = sorted((route.methods or set()) - {"HEAD"})
            found.append(("|".join(methods), f"/_sandbox{route.path}"))
    return found


def render(state: SandboxState, routes: list[BaseRoute]) -> str:
    root = escape(state.root_url)
    accounts = _table(
        ["display name", "email", "accountId", "sites"],
        [
            [escape(a.display_name), escape(a.email), f"<code>{escape(a.account_id)}</code>",
             escape(", ".join(state.world.sites[c].name for c in a.cloud_ids
                              if c in state.world.sites))]
            for a in state.world.accounts.values()
        ],
    )  # fmt: skip
    endpoints = _table(
        ["method", "path"],
        [[escape(m), f"<code>{escape(p)}</code>"] for m, p in _admin_routes(routes)],
    )
    links = "".join(
        f'<li><a href="{root}{path}">{escape(label)}</a></li>'
        for path, label in (
            ("/", "service index (JSON)"),
            ("/_sandbox/state", "state (JSON)"),
            ("/_sandbox/webhooks", "registered webhooks (JSON)"),
            ("/_sandbox/webhooks/deliveries", "webhook deliveries (JSON)"),
            ("/_sandbox/requests", "request log (JSON)"),
        )
    )
    persisted = state.persistence.path if state.persistence else None
    storage = f"state file <code>{escape(str(persisted))}</code>" if persisted else "in memory"
    sites = "".join(_site_section(site) for site in state.world.sites.values())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Jira Cloud sandbox</title><style>{STYLE}</style></head><body>"
        "<h1>Jira Cloud sandbox</h1>"
        f"<p>Root <code>{root}</code> &middot; auth <code>{root}/auth</code> &middot; "
        f"API <code>{root}/api</code> &middot; {storage} &middot; "
        f"clock {escape(state.clock.now().isoformat())}</p>"
        f"<h2>Links</h2><ul>{links}</ul>{sites}<h2>Accounts</h2>{accounts}"
        f"<h2>Admin endpoints</h2>{endpoints}</body></html>"
    )


async def page(request: Request) -> Response:
    return HTMLResponse(render(sandbox_state(request), list(request.app.routes)))
