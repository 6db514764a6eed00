"""Saved filters: GET /rest/api/3/filter/search (paged) and GET /rest/api/3/filter/{id}."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.gateway import Ctx, JiraError, jira_route, offset_page, page_params, scopes
from sandbox.rest_platform import expand_set
from sandbox.serialize import user_json
from sandbox.store import Filter, Site, World

READ = scopes("read:jira-work", "read:filter:jira read:user:jira")
NOT_AVAILABLE = (
    "The selected filter is not available to you, perhaps it has been deleted or had its "
    "permissions changed."
)
ORDERS = {"name": lambda f: (f.name.lower(), f.id), "id": lambda f: f.id}


def filter_json(world: World, site: Site, saved: Filter, expand: set[str] | None) -> dict[str, Any]:
    """`expand=None`: every field (GET /filter/{id}); else `id`, `name`, `self` plus those."""
    body: dict[str, Any] = {
        "self": f"{site.url}/rest/api/3/filter/{saved.id}",
        "id": str(saved.id),
        "name": saved.name,
    }
    extra = {
        "description": saved.description,
        "owner": user_json(site.url, world.accounts.get(saved.owner_id)),
        "jql": saved.jql,
        "viewUrl": f"{site.url}/issues/?filter={saved.id}",
        "searchUrl": f"{site.url}/rest/api/3/search/jql?jql={saved.jql}",
        "favourite": False,
    }
    for name, value in extra.items():
        if expand is None or name in expand:
            body[name] = value
    return body


async def search_filters(ctx: Ctx) -> Response:
    start, size = page_params(ctx, default=50, cap=100)
    name = (ctx.query("filterName") or "").lower()
    owner = ctx.query("accountId")
    order = ctx.query("orderBy") or "name"
    key = ORDERS.get(order.lstrip("-+"))
    if key is None:
        raise JiraError(400, [f"Invalid orderBy value '{order}'."])
    found = sorted(
        (f for f in ctx.site.filters.values()
         if name in f.name.lower() and owner in {None, f.owner_id}),
        key=key, reverse=order.startswith("-"),
    )  # fmt: skip
    expand = expand_set(ctx.request.query_params.getlist("expand"))
    page = offset_page(found, start, size)
    page["values"] = [filter_json(ctx.state.world, ctx.site, f, expand) for f in page["values"]]
    base = f"{ctx.site.url}/rest/api/3/filter/search"
    body = {"self": f"{base}?startAt={start}&maxResults={size}", **page}
    if not page["isLast"]:
        body["nextPage"] = f"{base}?startAt={start + size}&maxResults={size}"
    return JSONResponse(body)


async def get_filter(ctx: Ctx) -> Response:
    saved = ctx.site.filters.get(int(ctx.request.path_params["filter_id"]))
    if saved is None:
        raise JiraError(400, [NOT_AVAILABLE])
    return JSONResponse(filter_json(ctx.state.world, ctx.site, saved, None))


ROUTES = [
    jira_route("GET", "/rest/api/3/filter/search", READ, search_filters),
    jira_route("GET", "/rest/api/3/filter/{filter_id:int}", READ, get_filter),
]
