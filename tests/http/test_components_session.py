"""The client module's sign-in across tabs and its report of hidden pages (review of issue 15:
C2, the renewal test's race, hidden pages for Web Push). Debian's Chromium driven by
Playwright, against the dev host and a real Openfire."""
import json

import pytest

from harness.client_page import CLIENT, TIMEOUT, ClientPage
from test_components import contexts, wait_until  # noqa: F401 (fixture)

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def stored_auth(page):
    return page.page.evaluate("() => localStorage.getItem('sparkweb.auth')")


def test_signing_out_while_a_renewal_is_on_its_way_stays_signed_out(contexts, target):
    context = contexts()
    first = ClientPage(context, target)
    first.sign_in("alice")
    second = ClientPage(context, target)
    second.wait_signed_in("alice")
    held = []
    context.route("**/api/rest/renew", lambda route: held.append(route))
    first.page.evaluate(CLIENT + ".then(c => { window.renewal = 'pending'; c.renew().then("
                        "() => { window.renewal = 'stored'; }, (e) => { window.renewal = "
                        "e.error || String(e); }); })")
    wait_until(lambda: held, "the renewal is on its way")
    # The server renews before the sign-out reaches it; its answer reaches the page after.
    answer = held[0].fetch()
    assert answer.status == 200, answer.text()
    renewed = json.loads(answer.text())["token"]
    first.page.click("sparkweb-login button[part~=sign-out]")
    for tab in (first, second):
        tab.page.wait_for_selector("sparkweb-login input[name=username]", timeout=TIMEOUT)
    held[0].fulfill(response=answer)
    first.page.wait_for_function("() => window.renewal !== 'pending'", timeout=TIMEOUT)
    assert first.page.evaluate("() => window.renewal") == "signed_out", \
        first.page.evaluate("() => window.renewal")
    assert stored_auth(first) is None, "the renewal stored a token after the sign-out"
    for tab in (first, second):
        assert tab.page.evaluate(CLIENT + ".then(c => c.signedIn)") is False, \
            "a tab is signed in again after the sign-out"
    # The token the late answer carried is revoked: nobody can pick it up later.
    with target.client(renewed) as client:
        wait_until(lambda: client.get("/user").status_code == 401,
                   "the late renewal's token is revoked")
