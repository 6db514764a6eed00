"""Admin API for what a Jira administrator (or time) does: drop or expire webhook
registrations, switch features per site."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.admin_issues import AdminError, _body, _guard, _site
from sandbox.gateway import sandbox_state
from sandbox.store import Site, Webhook
from sandbox.webhooks import webhook_json


def _sites(request: Request, cloud_id: Any) -> list[Site]:
    state = sandbox_state(request)
    if cloud_id is None:
        return list(state.world.sites.values())
    site = state.world.site(str(cloud_id))
    if site is None:
        raise AdminError(f"unknown site {cloud_id}", 404)
    return [site]


async def delete_webhook(request: Request) -> Response:
    """An administrator removed the registration: Jira forgets it, the app is not told.
    Webhook ids repeat across sites, so `?cloudId=` picks the site when the id is ambiguous."""
    webhook_id = int(request.path_params["webhook_id"])
    hits = [s for s in _sites(request, request.query_params.get("cloudId")) if webhook_id in
            s.webhooks]  # fmt: skip
    if not hits:
        raise AdminError(f"no webhook {webhook_id}", 404)
    if len(hits) > 1:
        raise AdminError(f"webhook {webhook_id} exists on several sites: add ?cloudId=", 409)
    removed = hits[0].webhooks.pop(webhook_id)
    return JSONResponse({"deleted": {"cloudId": hits[0].cloud_id, **webhook_json(removed)}})


async def expire_webhooks(request: Request) -> Response:
    """The 30-day expiry, now: `{"cloudId"?, "clientId"?, "webhookIds"?}` (all when empty)."""
    state = sandbox_state(request)
    body = await _body(request)
    ids = body.get("webhookIds")
    now = state.clock.now()
    expired: list[dict[str, Any]] = []
    for site in _sites(request, body.get("cloudId")):
        hooks: list[Webhook] = list(site.webhooks.values())
        for webhook in hooks:
            if body.get("clientId") not in {None, webhook.client_id}:
                continue
            if ids is not None and webhook.id not in ids:
                continue
            if webhook.expires_at > now:
                webhook.expires_at = now
                expired.append({"cloudId": site.cloud_id, "id": webhook.id})
    return JSONResponse({"expired": expired})


SWITCHES = {
    "timeTracking": "time_tracking",
    "agileIssueLists": "agile_issue_lists",
    "softwareIssueLists": "software_issue_lists",
}


async def site_switches(request: Request) -> Response:
    """Per-site features, all on by default: `{"timeTracking": bool, "agileIssueLists": bool,
    "softwareIssueLists": bool}` (an issue-list family switched off answers 404)."""
    _state, site = _site(request)
    if request.method == "POST":
        body = await _body(request)
        unknown = set(body) - set(SWITCHES)
        if unknown:
            raise AdminError(f"unknown switches {sorted(unknown)}; known: {sorted(SWITCHES)}")
        for name, value in body.items():
            if not isinstance(value, bool):
                raise AdminError(f"{name} must be true or false")
            setattr(site, SWITCHES[name], value)
    return JSONResponse({name: getattr(site, attr) for name, attr in SWITCHES.items()})


ROUTES = [
    Route("/webhooks/{webhook_id:int}", _guard(delete_webhook), methods=["DELETE"]),
    Route("/webhooks/expire", _guard(expire_webhooks), methods=["POST"]),
    Route("/sites/{cloud_id}/switches", _guard(site_switches), methods=["GET", "POST"]),
]
