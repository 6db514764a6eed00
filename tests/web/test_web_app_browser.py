"""The web app in a real browser, served by `agilekit serve` at /: two people vote live.

A facilitator signs in (development), creates a room, adds an issue and opens a round; a
second person, in another browser context, opens the room's link, joins and votes; the
facilitator sees the vote arrive without a reload, votes, reveals and sees the results. The
controls are found by their accessible names (../shared/API.md "Web app"), and axe-core finds no
serious or critical violation on the sign-in, rooms, room and integrations pages. Needs the build
(`make setup` makes it) and Debian's Chromium (`make test` installs it).
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from core.settings import WEB_APP_DIR
from tests.support import ServerProcess
from tests.web.test_graphiql import DevTools, chromium  # noqa: F401 - the browser fixture

SCREENSHOTS = Path("/tmp/agilekit-web-screenshots")
AXE = WEB_APP_DIR.parent / "node_modules" / "axe-core" / "axe.min.js"  # frontend's devDependency
# Small DOM helpers evaluated in the page: controls by role and accessible name, like a person.
HELPERS = r"""
window.__ak = {
  text: (el) => (el.getAttribute('aria-label') || el.textContent || '').trim().toLowerCase(),
  button: (name) => [...document.querySelectorAll('button, [role=button]')]
    .find((el) => __ak.text(el) === name.toLowerCase() && !el.disabled),
  field: (label) => {
    const l = [...document.querySelectorAll('label')]
      .find((el) => el.textContent.trim().toLowerCase() === label.toLowerCase());
    return l && (l.control || document.getElementById(l.htmlFor));
  },
  region: (name) => [...document.querySelectorAll('section[aria-labelledby]')].find((el) => {
    const heading = document.getElementById(el.getAttribute('aria-labelledby'));
    return heading && heading.textContent.trim().toLowerCase().startsWith(name.toLowerCase());
  }),
  type: (label, value) => {
    const input = __ak.field(label);
    const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), 'value').set;
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  },
};
true
"""

ENSURE_HELPERS = f"(window.__ak || eval({json.dumps(HELPERS)}))"


@pytest.fixture(autouse=True)
def built_app() -> None:
    assert (WEB_APP_DIR / "index.html").is_file(), "the web app is not built: run `make setup`"


class Person:
    """One browser context (its own storage) with one tab on the app."""

    def __init__(self, devtools: DevTools, server: ServerProcess) -> None:
        self.page, self.server = devtools, server

    def open(self, path: str) -> None:
        self.page.call("Page.navigate", url=f"{self.server.url}{path}")
        self.page.wait_for("document.readyState === 'complete'", f"{path} to load")
        self.page.evaluate(HELPERS)

    def until(self, condition: str, what: str, timeout: float = 15) -> object:
        return self.page.wait_for(f"{ENSURE_HELPERS} && ({condition})", what, timeout=timeout)

    def press(self, name: str) -> None:
        self.until(f"!!__ak.button({json.dumps(name)})", f'button "{name}"')
        self.page.evaluate(f"__ak.button({json.dumps(name)}).click()")

    def type(self, label: str, value: str) -> None:
        self.until(f"!!__ak.field({json.dumps(label)})", f'field "{label}"')
        self.page.evaluate(f"__ak.type({json.dumps(label)}, {json.dumps(value)})")

    def region_text(self, name: str, holding: str = "") -> str:
        """The region's text, once it holds `holding`."""
        text = f"__ak.region({json.dumps(name)})?.innerText"
        found = self.until(
            f"({text} || '').includes({json.dumps(holding)}) && {text}",
            f'region "{name}" holding "{holding}"',
        )
        return str(found)

    def accessibility_problems(self) -> list[str]:
        """axe-core's serious and critical violations on the page as it is now."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text())
        found = self.page.call(
            "Runtime.evaluate",
            expression="axe.run(document, {resultTypes: ['violations']})"
            ".then((r) => JSON.stringify(r.violations"
            ".filter((v) => ['serious', 'critical'].includes(v.impact))"
            ".map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)))",
            awaitPromise=True,
            returnByValue=True,
        )
        return list(json.loads(found["result"]["value"]))

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        shot = self.page.call("Page.captureScreenshot", format="png")
        (SCREENSHOTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture
def people(chromium: str) -> Iterator[Callable[[ServerProcess], Person]]:  # noqa: F811
    contexts: list[str] = []
    with contextlib.ExitStack() as sockets:
        browser_ws = sockets.enter_context(connect(chromium, max_size=None, open_timeout=10))
        browser = DevTools(browser_ws)
        page_url = chromium.replace("/browser/", "/page/").rsplit("/", 1)[0]

        def person(server: ServerProcess) -> Person:
            context = browser.call("Target.createBrowserContext")["browserContextId"]
            target = browser.call(
                "Target.createTarget", url="about:blank", browserContextId=context
            )
            url = f"{page_url}/{target['targetId']}"
            ws = sockets.enter_context(connect(url, max_size=None, open_timeout=10))
            devtools = DevTools(ws)
            for domain in ("Runtime", "Log", "Network", "Page"):
                devtools.call(f"{domain}.enable")
            contexts.append(context)
            return Person(devtools, server)

        try:
            yield person
        finally:
            for context in contexts:
                browser.call("Target.disposeBrowserContext", browserContextId=context)


def sign_in(person: Person, name: str) -> None:
    person.open("/signin")
    person.until("!!__ak.field('Email')", "the sign-in page")
    assert not person.accessibility_problems(), person.accessibility_problems()
    person.type("Email", f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com")
    person.type("Name", name)
    person.press("Sign in")
    person.until("location.pathname === '/'", "the rooms page")


def test_two_people_vote_live_in_the_browser(
    people: Callable[[ServerProcess], Person], server: ServerProcess
) -> None:
    facilitator, voter = people(server), people(server)
    sign_in(facilitator, "Fran")
    facilitator.screenshot("rooms")
    assert not facilitator.accessibility_problems()
    facilitator.press("New room")
    facilitator.type("Room name", "Browser room")
    facilitator.press("Create")
    facilitator.until("location.pathname.startsWith('/rooms/')", "the room page")
    room_path = str(facilitator.page.evaluate("location.pathname"))
    facilitator.type("Title", "Checkout page")
    facilitator.press("Add issue")
    facilitator.region_text("Issues", holding="Checkout page")

    sign_in(voter, "Val")
    voter.open(room_path)
    voter.press("Join room")
    voter.until("!!__ak.region('Members')", "the room for the voter")
    voter.region_text("Members", holding="Fran")

    facilitator.page.evaluate(
        "[...__ak.region('Issues').querySelectorAll('button')]"
        ".find((b) => b.textContent.includes('Checkout page')).click()"
    )
    facilitator.press("Start voting")
    voter.until("!!__ak.button('5')", "the open round on the voter's page (live)")
    started = time.monotonic()
    voter.press("5")
    facilitator.until(
        "document.body.innerText.includes('Val')"
        " && /1 of 2 voted|1\\s*\\/\\s*2/i.test(document.body.innerText)",
        "the voter's vote to show on the facilitator's page",
    )
    seen_after = time.monotonic() - started
    facilitator.press("3")
    facilitator.press("Reveal")
    facilitator.region_text("Results", holding="4")  # the mean of 3 and 5
    voter.until("!!__ak.region('Results')", "the results on the voter's page (live)")
    facilitator.screenshot("room-revealed")
    assert not facilitator.accessibility_problems()
    facilitator.open("/settings/integrations")
    facilitator.until("document.body.innerText.includes('Integrations')", "the integrations page")
    facilitator.screenshot("integrations")
    assert not facilitator.accessibility_problems()
    facilitator.page.evaluate("document.body.append(document.createElement('img'))")
    assert any("image-alt" in problem for problem in facilitator.accessibility_problems())
    voter.screenshot("room-revealed-voter")
    print(f"\nweb app: a vote showed on the other page {seen_after * 1000:.0f} ms after the click")
    assert seen_after < 5
