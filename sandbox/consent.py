"""The consent page: plain HTML forms so a browser or an HTTP client can drive it."""

from __future__ import annotations

from html import escape

from sandbox.config import OAuthApp
from sandbox.store import Account, Site

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {app_name}</title>
<style>body{{font-family:sans-serif;max-width:36rem;margin:3rem auto}}
li{{margin:.2rem 0}} button{{margin-right:.5rem}}</style></head>
<body>
<h1>{app_name} is requesting access to your Atlassian account</h1>
<p>Signed in as <strong>{user}</strong> ({email}) &middot; Jira Cloud sandbox</p>
<form method="post" action="{action}">
{hidden}
<h2>Choose a site</h2>
{sites}
<h2>It wants to</h2>
<ul>{scopes}</ul>
<button type="submit" name="decision" value="accept" id="accept">Accept</button>
<button type="submit" name="decision" value="decline" id="decline">Decline</button>
</form>
</body></html>
"""

ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title></head>
<body><h1>Something went wrong</h1><p id="error">{message}</p></body></html>
"""


def consent_page(
    app: OAuthApp, account: Account, sites: list[Site], params: dict[str, str], action: str
) -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items()
    )
    choices = "\n".join(
        f'<label><input type="radio" name="site" value="{escape(site.cloud_id)}"'
        f"{' checked' if index == 0 else ''}> {escape(site.name)} ({escape(site.url)})</label><br>"
        for index, site in enumerate(sites)
    )
    scopes = "".join(f"<li>{escape(s)}</li>" for s in params.get("scope", "").split())
    return PAGE.format(
        app_name=escape(app.name),
        user=escape(account.display_name),
        email=escape(account.email),
        action=escape(action),
        hidden=hidden,
        sites=choices or "<p>You have no sites.</p>",
        scopes=scopes,
    )


def error_page(message: str) -> str:
    return ERROR_PAGE.format(message=escape(message))
