"""The built web app (frontend/dist), served at `/` whenever the build exists.

- `/assets/…`: Vite's content-hashed files, cached for a year as immutable; a missing one is
  a 404 (never index.html: a stale page must not run HTML as a script).
- Other files of the build (favicon, robots.txt): served, revalidated on every use.
- Any other GET or HEAD (the app's client-side routes: `/rooms/…`, `/settings/integrations`):
  index.html, never cached, so a new release is picked up on the next navigation.
The API's own routes (/graphql, /healthz, …) are matched before this one.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class WebApp:
    """An ASGI app over a Vite build directory (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.index = directory / "index.html"
        self.files = StaticFiles(directory=directory, check_dir=False)

    @staticmethod
    def built(directory: Path) -> bool:
        return (directory / "index.html").is_file()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if request.method not in ("GET", "HEAD"):
            response: Response = Response("Method Not Allowed", 405, {"allow": "GET, HEAD"})
        else:
            response = await self._response(scope, request.url.path)
        await response(scope, receive, send)

    async def _response(self, scope: Scope, path: str) -> Response:
        if path.startswith("/assets/"):
            response = await self._file(scope)
            if response is None:
                return Response("Not Found", 404, {"cache-control": REVALIDATE})
            response.headers["cache-control"] = IMMUTABLE
            return response
        response = await self._file(scope) if path not in ("", "/") else None
        if response is None:
            response = FileResponse(self.index, media_type="text/html")
        response.headers["cache-control"] = REVALIDATE
        return response

    async def _file(self, scope: Scope) -> Response | None:
        try:
            return await self.files.get_response(self.files.get_path(scope), scope)
        except HTTPException:
            return None
