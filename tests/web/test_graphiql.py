"""GraphiQL in a real headless Chromium, driven over the DevTools protocol, on a real server.

The page must load every asset from this server (no CDN: the machine is offline), render
GraphiQL, and run operations with the Authorization header typed into its Headers editor.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.support import ServerProcess
from web.graphiql import ASSETS, graphiql_html

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
)
QUERY_EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
EXECUTE_BUTTON = "document.querySelector('.graphiql-execute-button')"
RESPONSE_EDITOR = "document.querySelector('.graphiql-response .CodeMirror')"
# The headers editor is the one GraphiQL pre-filled with an Authorization example.
HEADERS_EDITOR = (
    "[...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]"
    ".map((el) => el.CodeMirror).find((cm) => cm.getValue().includes('Authorization'))"
)


class DevTools:
    """A minimal Chrome DevTools protocol client for one page target."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.last_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.last_id += 1
        self.ws.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") == self.last_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str, timeout: float = 20) -> Any:
        """Poll until `expression` is truthy; fail with the page's errors otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(f"(() => {{ try {{ return {expression}; }} catch {{}} }})()")
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; page problems: {self.problems()}")

    def requested_urls(self) -> list[str]:
        return [
            event["params"]["request"]["url"]
            for event in self.events
            if event.get("method") == "Network.requestWillBeSent"
        ]

    def websocket_urls(self) -> list[str]:
        return [
            event["params"]["url"]
            for event in self.events
            if event.get("method") == "Network.webSocketCreated"
        ]

    def websocket_frames_received(self) -> list[dict[str, Any]]:
        return [
            json.loads(event["params"]["response"]["payloadData"])
            for event in self.events
            if event.get("method") == "Network.webSocketFrameReceived"
        ]

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and failed requests seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(str(params["exceptionDetails"].get("exception", params)))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"])
            elif method == "Network.loadingFailed":
                found.append(f"request failed: {params.get('errorText')}")
        return found


@contextlib.contextmanager
def launch_chromium() -> Iterator[str]:
    """A headless Chromium with DevTools on a free port; yields its browser websocket URL."""
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: `make test` installs it"
    profile = Path(tempfile.mkdtemp(prefix="agilekit-chromium-"))
    process = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert process.poll() is None, "chromium exited at start"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        yield f"ws://127.0.0.1:{port}{path}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium() -> Iterator[str]:
    with launch_chromium() as browser_url:
        yield browser_url


@pytest.fixture
def page(chromium: str) -> Iterator[DevTools]:
    """A tab in a fresh browser context (no storage shared between tests), events recorded."""
    with connect(chromium, max_size=None, open_timeout=10) as browser_ws:
        browser = DevTools(browser_ws)
        context = browser.call("Target.createBrowserContext")["browserContextId"]
        target = browser.call("Target.createTarget", url="about:blank", browserContextId=context)
        page_url = chromium.replace("/browser/", "/page/").rsplit("/", 1)[0]
        try:
            with connect(
                f"{page_url}/{target['targetId']}", max_size=None, open_timeout=10
            ) as page_ws:
                devtools = DevTools(page_ws)
                for domain in ("Runtime", "Log", "Network", "Page"):
                    devtools.call(f"{domain}.enable")
                yield devtools
        finally:
            browser.call("Target.disposeBrowserContext", browserContextId=context)


@pytest.fixture(scope="module")
def graphiql_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    return start_server()


def sign_in(server: ServerProcess) -> tuple[str, str]:
    email = f"graphiql-{uuid.uuid4().hex[:10]}@example.com"
    response = httpx.post(
        f"{server.url}/graphql",
        json={
            "query": "mutation($e:String!){devSignIn(email:$e){token errors{message}}}",
            "variables": {"e": email},
        },
        timeout=10,
    )
    payload = response.json()["data"]["devSignIn"]
    assert payload["token"], payload
    return email, payload["token"]


def open_graphiql(page: DevTools, server: ServerProcess) -> None:
    page.call("Page.navigate", url=f"{server.url}/graphql")
    page.wait_for(f"!!({QUERY_EDITOR} && {HEADERS_EDITOR})", "GraphiQL to render its editors")


def run_in_graphiql(page: DevTools, query: str, headers: dict[str, str]) -> str:
    """Type the operation and headers into GraphiQL, press Run, return the response pane."""
    page.evaluate(f"{QUERY_EDITOR}.setValue({json.dumps(query)})")
    page.evaluate(f"{HEADERS_EDITOR}.setValue({json.dumps(json.dumps(headers))})")
    # GraphiQL parses the editor after a debounce; Run uses that parse (and offers a menu of
    # operations while the two-operation default query is the last one parsed).
    page.wait_for(
        f"{QUERY_EDITOR}.documentAST?.loc?.source?.body === {json.dumps(query)}"
        f" && !{EXECUTE_BUTTON}.hasAttribute('aria-haspopup')",
        "GraphiQL to parse the operation",
    )
    page.evaluate(f"{EXECUTE_BUTTON}.click()")
    return page.wait_for(
        f"{RESPONSE_EDITOR}.CodeMirror.getValue().trim()", "the response of the operation"
    )


def test_graphiql_runs_viewer_with_bearer_token(
    page: DevTools, graphiql_server: ServerProcess
) -> None:
    email, token = sign_in(graphiql_server)
    open_graphiql(page, graphiql_server)

    response = run_in_graphiql(page, "{ viewer { email } }", {"Authorization": f"Bearer {token}"})

    assert json.loads(response) == {"data": {"viewer": {"email": email}}}
    assert email in page.evaluate("document.querySelector('.graphiql-response').innerText")
    offsite = [
        url
        for url in page.requested_urls()
        if not url.startswith((graphiql_server.url, "data:"))  # data: = fonts inlined in CSS
    ]
    assert not offsite, f"GraphiQL fetched from outside this server: {offsite}"
    assert not page.problems()


def test_graphiql_sends_headers_editor_content(
    page: DevTools, graphiql_server: ServerProcess
) -> None:
    open_graphiql(page, graphiql_server)

    response = run_in_graphiql(page, "{ viewer { email } }", {"Authorization": "Bearer forged"})

    errors = json.loads(response)["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", errors


def test_graphiql_subscriptions_use_graphql_transport_ws(
    page: DevTools, graphiql_server: ServerProcess
) -> None:
    _, token = sign_in(graphiql_server)
    open_graphiql(page, graphiql_server)

    # Whatever the schema's subscriptions, the server's answer must come over the websocket
    # that GraphiQL opened with the token as connection_init payload (a refusal closes it).
    response = run_in_graphiql(
        page, "subscription { __typename }", {"Authorization": f"Bearer {token}"}
    )

    assert page.websocket_urls() == [graphiql_server.ws_url]
    frames = page.websocket_frames_received()
    assert frames[0]["type"] == "connection_ack", frames
    server_errors = [frame for frame in frames if frame["type"] == "error"]
    assert server_errors, frames
    assert server_errors[0]["payload"][0]["message"] in response


@pytest.fixture(scope="module")
def elsewhere_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """PUBLIC_URL names another origin, so the page's own origin may not open the socket."""
    return start_server(PUBLIC_URL="http://127.0.0.1:9")


def test_graphiql_says_why_a_refused_websocket_failed(
    page: DevTools, elsewhere_server: ServerProcess
) -> None:
    """Finding 10: a refused socket showed `{"isTrusted": true}` as its only error."""
    _, token = sign_in(elsewhere_server)
    open_graphiql(page, elsewhere_server)

    response = run_in_graphiql(
        page, "subscription { __typename }", {"Authorization": f"Bearer {token}"}
    )

    assert "isTrusted" not in response
    message = json.loads(response)["errors"][0]["message"]
    assert "WS_ALLOWED_ORIGINS" in message and "http://127.0.0.1:9/graphql" in message, message


def test_graphiql_fails_to_render_without_its_assets(
    page: DevTools, graphiql_server: ServerProcess
) -> None:
    """What a CDN reference does offline: the check above would catch it."""
    page.call("Network.setBlockedURLs", urls=[f"{graphiql_server.url}/static/graphiql/*"])

    with pytest.raises(AssertionError, match="GraphiQL to render"):
        page.call("Page.navigate", url=f"{graphiql_server.url}/graphql")
        page.wait_for(f"!!({QUERY_EDITOR} && {HEADERS_EDITOR})", "GraphiQL to render", timeout=3)


def test_page_references_only_local_assets() -> None:
    page = graphiql_html("http://127.0.0.1:8000/static/graphiql/")

    for name in ASSETS:
        assert f'"/static/graphiql/{name}"' in page
    assert "://" not in page


def test_development_prefills_the_demo_token_and_headers_survive_a_reload(
    page: DevTools, graphiql_server: ServerProcess
) -> None:
    open_graphiql(page, graphiql_server)
    prefilled = json.loads(page.evaluate(f"{HEADERS_EDITOR}.getValue()"))
    assert prefilled["Authorization"].startswith("Bearer ey"), prefilled

    response = run_in_graphiql(page, "{ viewer { email } }", prefilled)  # the token as given
    assert json.loads(response) == {"data": {"viewer": {"email": "demo@agilekit.dev"}}}

    mine = {"Authorization": "Bearer mine", "X-Request-Id": "kept"}
    page.evaluate(f"{HEADERS_EDITOR}.setValue({json.dumps(json.dumps(mine))})")
    page.wait_for(  # GraphiQL stores the editor after a debounce
        "Object.values(localStorage).some((value) => value.includes('Bearer mine'))",
        "GraphiQL to store the headers",
    )
    open_graphiql(page, graphiql_server)
    assert json.loads(page.evaluate(f"{HEADERS_EDITOR}.getValue()")) == mine


def test_production_graphiql_prefills_no_token() -> None:
    page = graphiql_html("http://127.0.0.1:8000/static/graphiql/")
    assert "Bearer ey" not in page and "paste the token" in page
