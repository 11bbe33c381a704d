"""WebAuthn passkeys end to end with a software authenticator (soft-webauthn), over HTTP."""
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.passkeys import Passkey, b64url, page_origin, register, sign_in
from harness.target import CHALLENGE_SECONDS


@pytest.fixture
def anonymous(target):
    with target.client() as client:
        yield client


def _passkey(target):
    return Passkey(page_origin(target))


def _registered(target, anonymous, username, name=None):
    passkey = _passkey(target)
    finished = register(anonymous, username, passkey, name, content=target.users[username])
    assert finished.status_code == 200, finished.text
    return passkey


def test_two_passkeys_registered_each_signs_in(target, anonymous):
    first = _registered(target, anonymous, "alice", "Laptop")
    second = _passkey(target)
    with target.client(target.login("alice")) as alice:
        finished = register(alice, "alice", second, "Phone")   # with a token, no password
        assert finished.status_code == 200, finished.text
        assert finished.json()["name"] == "Phone"
        listed = dict((entry["id"], entry) for entry in
                      alice.get("/webauthn/credentials").json()["credentials"])
    assert listed[first.credential_id]["name"] == "Laptop"
    assert listed[second.credential_id]["name"] == "Phone"
    assert "publicKey" not in str(listed) and "signCount" not in str(listed)
    for passkey in (first, second):
        answer, _ = sign_in(anonymous, "alice", passkey)
        assert answer.status_code == 200, answer.text
        assert answer.json()["username"] == "alice"
        with target.client(answer.json()["token"]) as signed_in:
            assert signed_in.get("/user").json()["username"] == "alice"


def test_registration_adds_and_excludes_existing_passkeys(target, anonymous):
    first = _registered(target, anonymous, "bob")
    options = anonymous.post("/webauthn/register/start/bob", content=target.users["bob"]).json()
    excluded = [entry["id"] for entry in options["excludeCredentials"]]
    assert first.credential_id in excluded
    _registered(target, anonymous, "bob")
    answer, _ = sign_in(anonymous, "bob", first)
    assert answer.status_code == 200, answer.text


def test_replayed_assertion_is_rejected(target, anonymous):
    passkey = _registered(target, anonymous, "alice")
    answer, assertion = sign_in(anonymous, "alice", passkey)
    assert answer.status_code == 200, answer.text
    replay = anonymous.post("/webauthn/authenticate/finish/alice", json=assertion)
    assert replay.status_code == 401
    assert replay.json()["error"] == "unauthorized"


def test_signature_counter_regression_is_rejected(target, anonymous):
    passkey = _registered(target, anonymous, "alice")
    for _ in range(2):
        answer, _ = sign_in(anonymous, "alice", passkey)
        assert answer.status_code == 200, answer.text
    passkey.device.sign_count = 0   # a clone of the authenticator, behind the original
    answer, _ = sign_in(anonymous, "alice", passkey)
    assert answer.status_code == 401


def test_expired_challenge_is_rejected(target, anonymous):
    passkey = _registered(target, anonymous, "carol")
    options = anonymous.post("/webauthn/authenticate/start/carol").json()
    time.sleep(CHALLENGE_SECONDS + 1.5)
    late = anonymous.post("/webauthn/authenticate/finish/carol", json=passkey.get(options))
    assert late.status_code == 401
    answer, _ = sign_in(anonymous, "carol", passkey)   # a fresh ceremony still works
    assert answer.status_code == 200, answer.text


def test_challenge_is_bound_to_user_and_ceremony(target, anonymous):
    passkey = _registered(target, anonymous, "alice")
    for_bob = anonymous.post("/webauthn/authenticate/start/bob").json()
    wrong_user = anonymous.post("/webauthn/authenticate/finish/alice",
                                json=passkey.get(dict(for_bob, rpId=passkey.device.rp_id)))
    assert wrong_user.status_code == 401
    registration = anonymous.post("/webauthn/register/start/alice",
                                  content=target.users["alice"]).json()
    wrong_ceremony = anonymous.post(
        "/webauthn/authenticate/finish/alice",
        json=passkey.get({"challenge": registration["challenge"], "rpId": passkey.device.rp_id}))
    assert wrong_ceremony.status_code == 401


def test_registration_needs_the_password_or_the_users_own_token(target, anonymous):
    assert anonymous.post("/webauthn/register/start/alice").status_code == 401
    wrong = anonymous.post("/webauthn/register/start/alice", content="not-the-password")
    assert wrong.status_code == 401
    with target.client(target.login("bob")) as bob:
        other = bob.post("/webauthn/register/start/alice")
    assert other.status_code == 403
    assert other.json()["error"] == "forbidden"


def test_registration_from_another_origin_is_refused(target, anonymous):
    stranger = Passkey("https://evil.example")
    finished = register(anonymous, "alice", stranger, content=target.users["alice"])
    assert finished.status_code == 400
    assert "BadOrigin" in finished.json()["message"]


def test_users_manage_only_their_own_passkeys(target, anonymous):
    passkey = _registered(target, anonymous, "alice")
    with target.client(target.login("bob")) as bob:
        assert bob.delete("/webauthn/credentials/" + passkey.credential_id).status_code == 404
        assert bob.put("/webauthn/credentials/" + passkey.credential_id,
                       json={"name": "mine now"}).status_code == 404
    with target.client(target.login("alice")) as alice:
        renamed = alice.put("/webauthn/credentials/" + passkey.credential_id,
                            json={"name": "Work key"})
        assert renamed.status_code == 200
        names = [entry["name"] for entry in alice.get("/webauthn/credentials").json()["credentials"]
                 if entry["id"] == passkey.credential_id]
        assert names == ["Work key"]
        assert alice.delete("/webauthn/credentials/" + passkey.credential_id).status_code == 200
        ids = [entry["id"] for entry in alice.get("/webauthn/credentials").json()["credentials"]]
    assert passkey.credential_id not in ids
    answer, _ = sign_in(anonymous, "alice", passkey)
    assert answer.status_code == 401


def test_passkey_data_never_appears_in_user_properties(target, anonymous):
    _registered(target, anonymous, "alice")
    with target.client(target.login("alice")) as alice:
        properties = alice.get("/user").json()["properties"]
    assert not [entry for entry in properties if "webauthn" in entry["key"].lower()]


@pytest.mark.parametrize("body", [{}, {"response": {}}, {"response": {"clientDataJSON": "%%"}},
                                  {"id": "AAAA", "response": {"clientDataJSON": "e30",
                                                              "authenticatorData": "AAAA",
                                                              "signature": "AAAA"}}])
def test_malformed_assertions_are_4xx_json(target, anonymous, body):
    answer = anonymous.post("/webauthn/authenticate/finish/alice", json=body)
    assert answer.status_code in (400, 401)
    assert answer.json()["error"] in ("bad_request", "unauthorized")


def test_a_user_may_hold_only_the_configured_number_of_passkeys(target, anonymous):
    limit = 20   # sparkweb.webauthn.maxCredentials, default
    with target.client(target.login("bob")) as bob:
        added, refused = [], None
        for _ in range(limit + 1):
            passkey = _passkey(target)
            answer = register(bob, "bob", passkey)
            if answer.status_code != 200:
                refused = answer
                break
            added.append(passkey.credential_id)
        try:
            assert refused is not None and refused.status_code == 409, "no limit was applied"
            assert refused.json()["error"] == "conflict"
            held = bob.get("/webauthn/credentials").json()["credentials"]
            assert len(held) == limit, "held %d passkeys" % len(held)
            # The refused finish did not use up its challenge: with room made, it is taken.
            assert bob.delete("/webauthn/credentials/" + added.pop()).status_code == 200
            again = bob.post("/webauthn/register/finish/bob", content=refused.request.content,
                             headers={"Content-Type": "application/json"})
            assert again.status_code == 200, "the refused registration's challenge was " \
                "used up: %s %s" % (again.status_code, again.text)
            added.append(again.json()["id"])
        finally:
            for credential_id in added:
                bob.delete("/webauthn/credentials/" + credential_id)


# --- one assertion, or one counter value, sent twice at once ---------------------------------

def _concurrently(target, requests, timeout=60):
    """Sends each (path, body) from its own thread and connection, released together; the
    answers' status codes. A request that hangs fails the test instead of hanging it."""
    ready = threading.Barrier(len(requests))

    def send(request):
        path, body = request
        with target.client() as client:
            ready.wait(timeout)
            return client.post(path, json=body).status_code
    with ThreadPoolExecutor(len(requests)) as pool:
        futures = [pool.submit(send, request) for request in requests]
        return sorted(future.result(timeout=timeout) for future in futures)


def test_one_assertion_sent_twice_at_once_signs_in_once(target, anonymous):
    """With a counter that stays 0 (a synced passkey), only the single-use challenge can
    refuse the second."""
    passkey = Passkey(page_origin(target), counts=False)
    assert register(anonymous, "carol", passkey, content=target.users["carol"]).status_code == 200
    options = anonymous.post("/webauthn/authenticate/start/carol").json()
    assertion = passkey.get(options)
    statuses = _concurrently(target, [("/webauthn/authenticate/finish/carol", assertion)] * 2)
    assert statuses == [200, 401], "one assertion sent twice: %s" % statuses


def test_a_counter_value_used_at_once_by_clones_signs_in_once(target, anonymous):
    """Clones of one authenticator answer different challenges with the same counter value:
    every challenge is genuine, so only the stored counter's compare-and-set can refuse."""
    passkey = _registered(target, anonymous, "carol")
    clones = 4
    assertions = []
    for _ in range(clones):
        options = anonymous.post("/webauthn/authenticate/start/carol").json()
        assertions.append(passkey.get(options))
        passkey.device.sign_count -= 1     # the next clone signs with the same counter
    statuses = _concurrently(target, [("/webauthn/authenticate/finish/carol", assertion)
                                      for assertion in assertions])
    assert statuses == [200] + [401] * (clones - 1), "clones signed in: %s" % statuses


# --- what a page learns about its passkeys ---------------------------------------------------

def _listed(target, username, credential_id):
    with target.client(target.login(username)) as client:
        entries = client.get("/webauthn/credentials").json()["credentials"]
    (entry,) = [entry for entry in entries if entry["id"] == credential_id]
    return entry


def test_passkey_dates_and_backup_state_are_reported(target, anonymous):
    passkey = Passkey(page_origin(target), backup_eligible=True, backed_up=False)
    before = time.time() * 1000
    finished = register(anonymous, "alice", passkey, content=target.users["alice"])
    after = time.time() * 1000
    assert finished.status_code == 200, finished.text
    created = finished.json()
    assert before - 1000 <= created["createdAt"] <= after + 1000, (before, created, after)
    assert created["lastUsedAt"] is None and created["backedUp"] is False, created
    listed = _listed(target, "alice", passkey.credential_id)
    assert listed["lastUsedAt"] is None, "a passkey never used reports %r" % listed
    assert listed["createdAt"] == created["createdAt"] and listed["backedUp"] is False, listed

    passkey.backed_up = True     # its provider has synced it since
    used_from = time.time() * 1000
    answer, _ = sign_in(anonymous, "alice", passkey)
    used_until = time.time() * 1000
    assert answer.status_code == 200, answer.text
    listed = _listed(target, "alice", passkey.credential_id)
    assert used_from - 1000 <= listed["lastUsedAt"] <= used_until + 1000, (used_from, listed)
    assert listed["backedUp"] is True, "backup state not updated: %r" % listed
    assert listed["createdAt"] == created["createdAt"], listed


def test_one_passkey_registered_twice_at_once_is_stored_once(target, anonymous):
    """Two genuine registrations of one credential id race to the store: one is added, the
    other is 409 (on a database, possibly through the unique key), never a 5xx."""
    passkey = _passkey(target)
    password = target.users["alice"]
    first, second = (anonymous.post("/webauthn/register/start/alice", content=password).json()
                     for _ in range(2))
    created = passkey.create(first)
    again = dict(created, response=dict(created["response"], clientDataJSON=b64url(json.dumps({
        "type": "webauthn.create", "challenge": second["challenge"],
        "origin": passkey.origin}).encode())))   # "none" attestation signs no client data
    path = "/webauthn/register/finish/alice"
    statuses = _concurrently(target, [(path, {"credential": created}),
                                      (path, {"credential": again})])
    with target.client(target.login("alice")) as alice:
        alice.delete("/webauthn/credentials/" + passkey.credential_id)
    assert statuses == [200, 409], "one credential registered twice at once: %s" % statuses
