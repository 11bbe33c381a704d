"""Passkeys in a real browser: Debian's Chromium driven by Playwright, with Chrome's virtual
WebAuthn authenticator (DevTools protocol), using the example page web/passkeys.html."""
import pytest

from harness.passkeys import page_origin
from harness.target import CHALLENGE_SECONDS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


class PasskeyPage(object):
    """web/passkeys.html in a fresh browser context, with one virtual authenticator at a
    time (an authenticator holds the passkeys created on it, like a phone or a laptop)."""

    def __init__(self, browser, target):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.goto(page_origin(target) + "/sparkweb/passkeys.html")
        self.devtools = self.context.new_cdp_session(self.page)
        self.devtools.send("WebAuthn.enable")
        self.authenticator = None

    def new_authenticator(self):
        if self.authenticator:
            self.devtools.send("WebAuthn.removeVirtualAuthenticator",
                               {"authenticatorId": self.authenticator})
        self.authenticator = self.devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True,
            "automaticPresenceSimulation": True}})["authenticatorId"]

    def credentials(self):
        return self.devtools.send("WebAuthn.getCredentials",
                                  {"authenticatorId": self.authenticator})["credentials"]

    def put_credential(self, credential):
        self.devtools.send("WebAuthn.addCredential", {"authenticatorId": self.authenticator,
                                                     "credential": credential})

    def fill(self, username, password=""):
        self.page.fill("#username", username)
        self.page.fill("#password", password)

    def click(self, button, expect):
        """Clicks and returns the page's message once it starts with ``expect``."""
        self.page.evaluate("document.getElementById('out').textContent = ''")
        self.page.click(button)
        self.page.wait_for_function(
            "text => document.getElementById('out').textContent.startsWith(text)", arg=expect,
            timeout=20000)
        return self.page.text_content("#out")

    def close(self):
        self.context.close()


@pytest.fixture
def browser_page(browser, target):
    page = PasskeyPage(browser, target)
    yield page
    page.close()


def _add_passkey(page, name):
    page.page.fill("#passkey-name", name)
    assert page.click("#add-passkey", "Passkey") == 'Passkey "%s" added' % name
    (credential,) = page.credentials()
    return credential


def test_two_passkeys_from_two_authenticators_each_sign_in(browser_page, target):
    page = browser_page
    page.fill("bob", target.users["bob"])
    assert page.click("#password-sign-in", "Signed in") == "Signed in as bob"
    page.new_authenticator()
    laptop = _add_passkey(page, "Laptop")
    page.new_authenticator()
    phone = _add_passkey(page, "Phone")
    listed = page.page.eval_on_selector_all("#passkeys li", "items => items.map(i => i.dataset.id)")
    assert {laptop["credentialId"], phone["credentialId"]} <= set(
        credential_id.replace("-", "+").replace("_", "/") + "=" * (-len(credential_id) % 4)
        for credential_id in listed)

    for credential in (laptop, phone):
        page.new_authenticator()
        page.put_credential(credential)
        page.fill("bob")
        assert page.click("#passkey-sign-in", "Signed in") == "Signed in as bob"
        (used,) = page.credentials()
        assert used["signCount"] > credential["signCount"], "the authenticator was not used"


def test_replay_counter_regression_and_expired_challenge_are_rejected(browser_page, target):
    page = browser_page
    page.fill("carol", target.users["carol"])
    page.click("#password-sign-in", "Signed in")
    page.new_authenticator()
    _add_passkey(page, "Browser")

    sent = []
    page.page.on("request", lambda request: sent.append(request.post_data)
                 if "/webauthn/authenticate/finish/" in request.url else None)
    page.fill("carol")
    assert page.click("#passkey-sign-in", "Signed in") == "Signed in as carol"
    replay = page.page.request.post(page_origin(target) +
                                    "/sparkweb/api/rest/webauthn/authenticate/finish/carol",
                                    data=sent[-1], headers={"Content-Type": "application/json"})
    assert replay.status == 401

    (used,) = page.credentials()
    page.new_authenticator()
    page.put_credential(dict(used, signCount=0))   # a clone, behind the original's counter
    assert page.click("#passkey-sign-in", "Failed") == "Failed: Passkey sign-in failed."

    page.new_authenticator()
    page.put_credential(dict(used, signCount=used["signCount"] + 10))
    late = page.page.evaluate("""async (wait) => {
        const p = window.sparkwebPasskeys;
        const options = await p.call("POST", "/webauthn/authenticate/start/carol");
        await new Promise((done) => setTimeout(done, wait));
        const credential = await navigator.credentials.get(
            { publicKey: p.requestOptions(options) });
        try { await p.call("POST", "/webauthn/authenticate/finish/carol",
                           p.credentialJSON(credential)); return "accepted"; }
        catch (error) { return error.message; }
    }""", (CHALLENGE_SECONDS + 1.5) * 1000)
    assert late.startswith("The ceremony has expired"), late
    assert page.click("#passkey-sign-in", "Signed in") == "Signed in as carol"
