"""GraphiQL page; its assets are served by this server (see `make setup`), not a CDN.

`python -m web.graphiql` copies the assets from node_modules (installed by `npm ci` from the
committed package-lock.json) into static/graphiql, which app.py mounts at /static/graphiql.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = ROOT / "static" / "graphiql"

# Served file name -> its source inside node_modules (UMD builds: no bundler, no CDN).
ASSETS: dict[str, str] = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")

DEFAULT_QUERY = """\
# Welcome to the AgileKit API.
# Put the token that `make run` printed (or DevSignIn's)
# into the Headers tab below, then run Viewer.
# Subscriptions use the same header (graphql-transport-ws).

query Viewer {
  viewer {
    id
    email
    name
    plan
  }
}

mutation DevSignIn {
  devSignIn(email: "demo@agilekit.dev", name: "Demo", plan: PREMIUM) {
    token
    errors { code message }
  }
}
"""
DEFAULT_HEADERS = '{\n  "Authorization": "Bearer <paste the token printed by make run>"\n}\n'


def headers_with(token: str) -> str:
    return json.dumps({"Authorization": f"Bearer {token}"}, indent=2) + "\n"


# Reads only what the server wrote into the data-config attribute; no inline user input.
_BOOT_SCRIPT = """
const config = JSON.parse(document.getElementById("graphiql").dataset.config);
const here = new URL(window.location.href);
const wsProtocol = here.protocol === "https:" ? "wss:" : "ws:";
const baseFetcher = GraphiQL.createFetcher({
  url: here.pathname,
  subscriptionUrl: `${wsProtocol}//${here.host}${here.pathname}`,
  enableIncrementalDelivery: false,
});
// A refused websocket reaches GraphiQL as a bare Event ({"isTrusted": true}): say what it was.
function describeSocketFailure(failure) {
  if (failure && typeof failure.code === "number") {
    const reason = failure.reason ? `: ${failure.reason}` : "";
    const hint = failure.code === 4403
      ? ` If the origin was refused, open GraphiQL at ${config.publicUrl}/graphql`
        + " or add this page's origin to WS_ALLOWED_ORIGINS."
      : "";
    return `The websocket closed (code ${failure.code}${reason}).${hint}`;
  }
  if (failure instanceof Event) {
    return `The websocket to ${here.host} could not be opened or was refused. Open GraphiQL at `
      + `${config.publicUrl}/graphql or add this page's origin to WS_ALLOWED_ORIGINS.`;
  }
  return failure instanceof Error ? failure.message : String(failure);
}
async function* readable(results) {
  try {
    yield* results;
  } catch (failure) {
    // graphql-ws hands operation errors over as an array of GraphQL errors: show them as such.
    yield Array.isArray(failure)
      ? { errors: failure }
      : { errors: [{ message: describeSocketFailure(failure) }] };
  }
}
const isStream = (value) => value && typeof value[Symbol.asyncIterator] === "function";
function fetcher(params, options) {
  const result = baseFetcher(params, options);
  if (isStream(result)) {
    return readable(result);
  }
  return Promise.resolve(result).then(
    (value) => (isStream(value) ? readable(value) : value),
    (failure) => ({ errors: [{ message: describeSocketFailure(failure) }] }),
  );
}
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: config.defaultQuery,
    defaultHeaders: config.defaultHeaders,
    defaultEditorToolsVisibility: "headers",
    shouldPersistHeaders: true,  // headers survive a reload (GraphiQL's localStorage)
  }),
);
"""


def graphiql_html(
    assets_url: str, public_url: str = "", default_headers: str = DEFAULT_HEADERS
) -> str:
    """The GraphiQL page; `assets_url` is where static/graphiql is served (ends with '/').
    `default_headers` fill the Headers tab until the user has headers of their own."""
    # Path only: the page then works behind a TLS-terminating proxy as well.
    base = urlsplit(assets_url).path.rstrip("/") + "/"
    config = json.dumps(
        {"defaultQuery": DEFAULT_QUERY, "defaultHeaders": default_headers, "publicUrl": public_url}
    )
    scripts = "\n".join(f'<script src="{html.escape(base + name)}"></script>' for name in SCRIPTS)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AgileKit API · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{html.escape(base + "graphiql.min.css")}">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql" data-config="{html.escape(config)}">Loading GraphiQL…</div>
{scripts}
<script>{_BOOT_SCRIPT}</script>
</body>
</html>
"""


def copy_assets(node_modules: Path, target: Path = ASSETS_DIR) -> list[Path]:
    """Copy the GraphiQL assets out of node_modules; fails naming any that is missing."""
    missing = [src for src in ASSETS.values() if not (node_modules / src).is_file()]
    if missing:
        raise SystemExit(f"missing in {node_modules}: {', '.join(missing)} (run `npm ci`)")
    target.mkdir(parents=True, exist_ok=True)
    return [
        Path(shutil.copyfile(node_modules / src, target / name)) for name, src in ASSETS.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Copy GraphiQL assets into static/graphiql.")
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    args = parser.parse_args()
    copied = copy_assets(args.node_modules)
    print(f"copied {len(copied)} GraphiQL assets into {ASSETS_DIR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
