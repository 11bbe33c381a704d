"""One account, one name; limits that parallel or foreign pages cannot get round; tokens that
end with what they stand for. Black-box, on every target (the lock-out and the administrator's
changes to accounts are in tests/openfire/test_identity_openfire.py).

Tests that make logins fail do so from loopback addresses of their own, so that the
per-address limit of the address other tests use is not spent here.
"""
import concurrent.futures
import json
import threading
import time
import uuid

import httpx
import pytest

from harness.devhost import DevHost
from harness.forge import parts
from harness.sse import EventStream
from harness.target import TEST_PROPERTIES

LIMIT = 10   # sparkweb.login.maxFailuresPerUser, default


def from_address(target, address, **kwargs):
    """A client of the REST API whose connections come from ``address`` (127.0.0.0/8)."""
    return target.client(transport=httpx.HTTPTransport(local_address=address), **kwargs)


def spellings(target, name):
    return [name.upper(), name.capitalize(), " %s " % name, "%s@%s" % (name, target.domain),
            "%s@%s" % (name.upper(), target.domain.upper())]


def test_every_spelling_of_a_name_signs_in_to_that_account(target):
    with target.client() as client:
        for spelling in spellings(target, "alice"):
            response = client.post("/login/" + spelling, content=target.users["alice"])
            assert response.status_code == 200, "%r: %s %s" % (spelling, response.status_code,
                                                               response.text)
            body = response.json()
            assert body["username"] == "alice", "%r signed in as %r" % (spelling, body["username"])
            assert parts(body["token"])[1]["sub"] == "alice", "token subject of %r" % spelling
            user = client.get("/user", headers={"Authorization": body["token"]})
            assert user.json()["username"] == "alice", user.text


def test_spellings_of_a_name_share_its_failed_login_limit(target):
    name = "guess-" + uuid.uuid4().hex[:8]      # no such user: the limit applies alike
    statuses = []
    with from_address(target, "127.0.0.3") as client:
        for attempt in range(LIMIT):
            spelling = spellings(target, name)[attempt % 5]
            statuses.append(client.post("/login/" + spelling, content="wrong").status_code)
        after = client.post("/login/" + name, content="wrong")
    assert statuses == [401] * LIMIT, statuses
    assert after.status_code == 429, "spellings had limits of their own: %s" % after.status_code


def test_spellings_of_a_name_share_one_session(target):
    """A token issued to ALICE is alice's: a message sent with alice's token shows on the
    ALICE token's stream (one session, all streams), and the stream lives on when only the
    other spelling's token logs out, as for any other device of the user."""
    alice = target.login("alice")
    with target.client() as client:
        upper = client.post("/login/ALICE", content=target.users["alice"]).json()["token"]
    with EventStream(target, upper) as stream:
        assert stream.next("onConnect").data["username"] == "alice"
        text = "spelling-" + uuid.uuid4().hex[:8]
        with target.client(alice) as client:
            assert client.post("/chat/message/bob", json={"body": text}).status_code == 200
            stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text)
            assert client.post("/logout").status_code == 200, "logout failed"
        assert not stream.ended(3), "alice's logout ended the stream of her ALICE token"
        with target.client(upper) as client:
            assert client.post("/logout").status_code == 200, "logout failed"
        assert stream.ended(15), "the ALICE token's stream outlived its own logout"


def test_parallel_wrong_guesses_stop_at_the_limit(target):
    """All guesses at once, from an address of their own: at most the limit reach the
    password check (401); the rest are 429."""
    name = "parallel-" + uuid.uuid4().hex[:8]
    start = threading.Barrier(32, timeout=30)

    def guess(_):
        with from_address(target, "127.0.0.4") as client:
            start.wait()
            return client.post("/login/" + name, content="wrong").status_code
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(guess, range(32), timeout=120))
    assert statuses.count(401) <= LIMIT, "%d guesses were checked (limit %d): %s" % (
        statuses.count(401), LIMIT, sorted(statuses))
    assert set(statuses) <= {401, 429}, sorted(statuses)


def test_presence_of_an_unknown_user_is_refused_like_that_of_a_stranger(target, alice):
    stranger = alice.get("/presence/carol")           # exists, not alice's contact
    unknown = alice.get("/presence/nobody-" + uuid.uuid4().hex[:8])
    assert stranger.status_code == unknown.status_code == 400, (stranger.text, unknown.text)
    masked = [response.json()["message"].split(" of ")[0] for response in (stranger, unknown)]
    assert masked[0] == masked[1], "the answers tell users apart: %s / %s" % (stranger.text,
                                                                              unknown.text)
    assert stranger.json()["error"] == unknown.json()["error"], (stranger.text, unknown.text)


# --- a dev host of its own: odd passwords, short sign-ins ----------------------------------

ODD_PASSWORD = '{"pass\'word \u00e9\U0001F600 \\'   # starts with {, quotes, unicode, backslash
MAX_AGE = 120


@pytest.fixture(scope="module")
def odd_host():
    host = DevHost(properties=dict(TEST_PROPERTIES, **{
        "sparkweb.token.maxAge.seconds": str(MAX_AGE)}))
    host.users["carol"] = ODD_PASSWORD
    target = host.start()
    try:
        yield target
    finally:
        host.stop()


def test_a_password_starting_with_a_brace_signs_in_raw_and_as_json(odd_host):
    with odd_host.client() as client:
        for name, kwargs in (
                ("raw", {"content": ODD_PASSWORD.encode("utf-8")}),
                ("raw text/plain", {"content": ODD_PASSWORD.encode("utf-8"),
                                    "headers": {"Content-Type": "text/plain; charset=UTF-8"}}),
                ("JSON", {"json": {"password": ODD_PASSWORD}}),
                ("JSON as text/plain", {"content": json.dumps({"password": ODD_PASSWORD}),
                                        "headers": {"Content-Type": "text/plain"}})):
            response = client.post("/login/carol", **kwargs)
            assert response.status_code == 200, "%s: %s %s" % (name, response.status_code,
                                                               response.text)
        wrong = client.post("/login/carol", content=ODD_PASSWORD[:-1].encode("utf-8"))
        assert wrong.status_code == 401, "a wrong password signed in: %s" % wrong.text


def test_renewals_never_outlive_the_maximum_age(odd_host):
    with odd_host.client() as client:
        first = client.post("/login/alice", content=odd_host.users["alice"]).json()
    assert first["expires"] - time.time() <= MAX_AGE + 1, "lifetime not capped: %s" % first
    signed_in = parts(first["token"])[1]["auth_time"]
    with odd_host.client(first["token"]) as client:
        renewed = client.post("/renew").json()
    assert parts(renewed["token"])[1]["auth_time"] == signed_in, "renewal moved the sign-in"
    assert renewed["expires"] == signed_in + MAX_AGE, "a renewal outlives the maximum age: %s" % (
        renewed["expires"] - signed_in)
    with odd_host.client(renewed["token"]) as client:
        assert client.get("/user").status_code == 200, "the renewed token does not work"


# --- a dev host that takes passwords only as JSON ----------------------------------------------

@pytest.fixture(scope="module")
def json_host():
    host = DevHost(properties=dict(TEST_PROPERTIES, **{"sparkweb.login.requireJson": "true"}))
    target = host.start()
    try:
        yield target
    finally:
        host.stop()


def test_required_json_refuses_raw_passwords_without_counting_them(json_host):
    with json_host.client() as client:
        for _ in range(LIMIT + 2):
            for headers in ({}, {"Content-Type": "text/plain"},
                            {"Content-Type": "application/x-www-form-urlencoded"}):
                response = client.post("/login/bob", content="wrong", headers=headers)
                assert response.status_code == 415, "%s: %s %s" % (headers, response.status_code,
                                                                   response.text)
                assert response.json()["error"] == "unsupported_media_type", response.text
        raw_right = client.post("/login/bob", content=json_host.users["bob"])
        assert raw_right.status_code == 415, "a raw password signed in: %s" % raw_right.text
        response = client.post("/login/bob", json={"password": json_host.users["bob"]})
    assert response.status_code == 200, "JSON login refused after raw ones: %s %s" % (
        response.status_code, response.text)
