"""SparkWeb's settings page in Openfire's admin console: behind the admin login, decorated by
Openfire, and saving there changes what the REST API does."""
import re
import time

import httpx
import pytest

from harness.passkeys import Passkey, page_origin, register
from harness.sse import EventStream

PAGE = "/plugins/sparkweb/sparkweb-settings.jsp"
NEW_ORIGIN = "https://console.example"
# A 1 x 1 pixel PNG, as in test_contacts.
PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


class AdminConsole(object):
    """A browser-like client of the admin console on the admin port (cookies kept)."""

    def __init__(self, server):
        # No connection reuse: Jetty closes a connection after refusing a POST whose body it
        # did not read, and a reused one then fails on the client side ("Server disconnected").
        self.client = httpx.Client(base_url="http://127.0.0.1:%d" % server.ports["admin"],
                                   timeout=30, limits=httpx.Limits(max_keepalive_connections=0))

    def login(self, username, password):
        """Openfire 5's login form: a csrf cookie that the form must echo."""
        self.client.get("/login.jsp")
        return self.client.post("/login.jsp", data={
            "login": "true", "csrf": self.client.cookies.get("csrf"), "username": username,
            "password": password, "url": PAGE})

    def page(self, query=""):
        return self.client.get(PAGE + query)

    def post(self, fields, with_csrf=True):
        form = dict(fields)
        if with_csrf:
            form["csrf"] = re.search(r'name="csrf" value="([^"]+)"', self.page().text).group(1)
        return self.client.post(PAGE, data=form)

    def save(self, **settings):
        form = dict((key.replace("__", "."), value) for key, value in settings.items())
        form["action"] = "save"
        return self.post(form)


@pytest.fixture
def console(server, target):
    console = AdminConsole(server)
    response = console.login("admin", target.users["admin"])
    assert response.status_code == 302 and response.headers["location"].endswith(PAGE), \
        "admin login refused: %s %s" % (response.status_code, response.headers.get("location"))
    yield console
    console.client.close()


def allowed_origin(target, origin):
    with target.client(target.login("bob")) as client:
        return client.get("/user", headers={"Origin": origin}).headers.get(
            "access-control-allow-origin")


def test_settings_page_is_decorated_with_texts_and_urls(console, server):
    response = console.page()
    assert response.status_code == 200, response.status_code
    html = response.text
    assert 'id="jive-sidebar"' in html and 'id="jive-header"' in html, "not decorated by Openfire"
    assert 'href="%s"' % PAGE in html, "no SparkWeb item in the sidebar"
    for text in ("SparkWeb Settings", "Allowed origins", "Rotate Signing Key", "Login Limits"):
        assert text in html, "missing text %r" % text
    assert ":%d/sparkweb/api/rest/" % server.ports["http"] in html, "REST URL not shown"
    assert ":%d/sparkweb/sse" % server.ports["http"] in html, "SSE URL not shown"
    assert "??" not in html, "a text key without text"


def test_saved_cors_origins_apply_to_the_api_at_once(console, target):
    before = re.search(r'name="sparkweb.cors.origins" value="([^"]*)"', console.page().text).group(1)
    assert allowed_origin(target, NEW_ORIGIN) is None, "origin allowed before it was configured"
    try:
        saved = console.save(sparkweb__cors__origins=before + ", " + NEW_ORIGIN)
        assert saved.status_code == 303, "save answered %s" % saved.status_code
        assert allowed_origin(target, NEW_ORIGIN) == NEW_ORIGIN, "new origin not allowed"
    finally:
        console.save(sparkweb__cors__origins=before)
    assert allowed_origin(target, NEW_ORIGIN) is None, "origin still allowed after removal"


def test_saved_token_lifetime_applies_to_the_next_login(console, target):
    try:
        assert console.save(sparkweb__token__lifetime__seconds="600").status_code == 303
        with target.client() as client:
            answer = client.post("/login/alice", content=target.users["alice"]).json()
        assert abs(answer["expires"] - time.time() - 600) < 60, "expires %s" % answer["expires"]
    finally:
        console.save(sparkweb__token__lifetime__seconds="")


def test_out_of_bounds_value_is_an_error_on_the_page_not_a_500(console, target):
    response = console.save(sparkweb__token__lifetime__seconds="5")
    assert response.status_code == 400, response.status_code
    assert 'id="jive-sidebar"' in response.text, "error page not decorated"
    assert "Enter a value from 60 to 2592000." in response.text, "no error message"
    with target.client() as client:
        answer = client.post("/login/bob", content=target.users["bob"]).json()
    assert answer["expires"] - time.time() > 3600, "the bad lifetime was applied"


def test_post_without_csrf_token_changes_nothing(console, target):
    token = target.login("alice")
    response = console.post({"action": "rotate", "confirm": "yes"}, with_csrf=False)
    assert response.status_code == 403, response.status_code
    with target.client(token) as client:
        assert client.get("/user").status_code == 200, "key rotated without the CSRF token"


def test_rotating_the_key_rejects_old_tokens_at_once(console, target):
    token = target.login("alice")
    with target.client(token) as client:
        assert client.get("/user").status_code == 200
    stream = EventStream(target, token)
    stream.next("onConnect")
    unconfirmed = console.post({"action": "rotate"})
    assert unconfirmed.status_code == 400, unconfirmed.status_code
    with target.client(token) as client:
        assert client.get("/user").status_code == 200, "rotated without the confirmation"
    rotated = console.post({"action": "rotate", "confirm": "yes"})
    assert rotated.status_code == 303, rotated.status_code
    assert "The signing key was rotated." in console.page("?saved=key").text, "no notice"
    with target.client(token) as client:
        assert client.get("/user").status_code == 401, "a token signed with the old key works"
    assert stream.ended(10), "an event stream opened with an old token stayed open"
    with target.client(target.login("alice")) as client:
        assert client.get("/user").status_code == 200, "a new login fails after rotation"


def test_a_user_who_is_not_an_admin_cannot_reach_the_page(server, target):
    console = AdminConsole(server)
    refused = console.login("alice", target.users["alice"])
    assert refused.status_code == 200 and "location" not in refused.headers, \
        "alice signed in to the admin console: %s" % refused.status_code
    for response in (console.page(), console.client.post(PAGE, data={"action": "rotate",
                                                                     "confirm": "yes"})):
        assert response.status_code == 302 and "/login.jsp" in response.headers["location"], \
            "non-admin got %s" % response.status_code
    assert "SparkWeb Settings" not in console.page().text, "settings shown to a non-admin"


def test_page_follows_plugin_reloads_and_keeps_no_old_plugin_alive(console, server, target):
    assert console.page().status_code == 200
    _set_and_clear_a_photo(target)   # ImageIO (SparkWeb's check, Openfire's avatars): JVM-wide
    _leave_a_message_no_page_saw(target)   # stored offline as the plugin stops, on its thread
    loaders_before = server.live_plugin_classloaders()
    for _ in range(2):
        server.uninstall_plugin()
        server.wait_for_api(present=False, timeout=60)
        gone = console.page()   # Openfire answers 500 for an unknown plugin's path
        assert gone.status_code != 200 and "SparkWeb" not in gone.text, \
            "page still served by an unloaded plugin: %s" % gone.status_code
        server.install_plugin()
        server.wait_for_api(present=True, timeout=60)
        response = console.page()
        assert response.status_code == 200 and "SparkWeb Settings" in response.text, \
            "page broken after a reload: %s" % response.status_code
    time.sleep(1)
    loaders_after = server.live_plugin_classloaders()
    assert loaders_after == loaders_before, "reloads with page visits keep plugins in memory: " \
        "%d class loaders before, %d after" % (loaders_before, loaders_after)


def _set_and_clear_a_photo(target):
    with target.client(target.login("carol")) as carol:
        photo = {"type": "image/png", "data": PIXEL_PNG}
        assert carol.put("/user", json={"vcard": {"photo": photo}}).status_code == 200
        assert carol.put("/user", json={"vcard": {"photo": None}}).status_code == 200


def _leave_a_message_no_page_saw(target):
    with target.client(target.login("bob")) as bob:
        assert bob.post("/chat/message/carol", json={"body": "while carol's page is closed"}) \
            .status_code == 200


def _lockout(console, username, action):
    """Openfire's own lockout page (user-lockout.jsp): 'lock' (now, until unlocked) or
    'unlock'."""
    form = console.client.get("/user-lockout.jsp", params={"username": username})
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    return console.client.post("/user-lockout.jsp", data={
        "username": username, action: "true", "csrf": csrf, "startdelay": "-1",
        "duration": "-1"})


def test_an_account_locked_out_in_openfire_cannot_use_its_token(console, target):
    token = target.login("carol")
    with target.client(token) as client:
        assert client.get("/user").status_code == 200
        try:
            locked = _lockout(console, "carol", "lock")
            assert locked.status_code == 302 and "locksuccess" in locked.headers["location"], \
                "Openfire did not lock the account: %s" % locked.status_code
            deadline = time.time() + 15   # SparkWeb trusts an account check for 5 s
            while client.get("/user").status_code == 200 and time.time() < deadline:
                time.sleep(0.5)
            refused = client.get("/user")
            assert refused.status_code == 401, "a locked-out account's token still works"
            assert refused.json()["error"] == "unauthorized"
            with target.client() as anonymous:
                assert anonymous.post("/login/carol", content=target.users["carol"]) \
                    .status_code == 401, "a locked-out account signed in"
        finally:
            _lockout(console, "carol", "unlock")
    with target.client(target.login("carol")) as client:
        assert client.get("/user").status_code == 200, "unlocking did not restore the account"


def test_requiring_user_verification_refuses_a_passkey_without_it(console, target):
    with target.client() as anonymous:
        try:
            saved = console.save(sparkweb__webauthn__userVerification="required")
            assert saved.status_code == 303, saved.status_code
            options = anonymous.post("/webauthn/register/start/bob",
                                     content=target.users["bob"]).json()
            assert options["authenticatorSelection"]["userVerification"] == "required"
            unverified = Passkey(page_origin(target))   # soft-webauthn never sets the UV flag
            refused = register(anonymous, "bob", unverified, content=target.users["bob"])
            assert refused.status_code == 400, refused.text
            assert "UserNotVerified" in refused.json()["message"]
        finally:
            console.save(sparkweb__webauthn__userVerification="")
        accepted = register(anonymous, "bob", Passkey(page_origin(target)),
                            content=target.users["bob"])
        assert accepted.status_code == 200, "the default policy refused it: %s" % accepted.text
