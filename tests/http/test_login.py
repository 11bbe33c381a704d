"""Password login and logout (Web Credentials), compatible with the earlier plugin's pages."""
import json


def test_raw_password_body_returns_a_token(target):
    with target.client() as client:
        response = client.post("/login/alice", content=target.users["alice"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"].count(".") == 2, "not a JWT: %r" % body
    assert body["username"] == "alice", body


def test_json_password_body_returns_a_token(target):
    with target.client() as client:
        response = client.post("/login/alice", json={"password": target.users["alice"]})
    assert response.status_code == 200, response.text
    assert response.json()["token"], response.text


def test_token_works_raw_and_as_bearer(target, alice_token):
    for header in (alice_token, "Bearer " + alice_token):
        with target.client(header) as client:
            response = client.get("/user")
        assert response.status_code == 200, "%s: %s" % (header[:10], response.text)
        assert response.json()["username"] == "alice", response.text


def test_wrong_password_and_unknown_user_get_the_same_401(target):
    with target.client() as client:
        wrong = client.post("/login/alice", content="not-the-password")
        unknown = client.post("/login/nobody-here", content="not-the-password")
    for response in (wrong, unknown):
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/json"), response.headers
    assert wrong.json() == unknown.json(), "unknown user distinguishable: %s / %s" % (
        wrong.text, unknown.text)


def test_password_never_echoed(target):
    with target.client() as client:
        response = client.post("/login/alice", content=target.users["alice"])
    assert target.users["alice"] not in response.text, "password echoed back"


def test_json_body_without_password_is_400(target):
    with target.client() as client:
        for body in ('{"pass": "x"}', '{"password": 5}', '{broken', "[1,2]"):
            response = client.post("/login/alice", content=body,
                                   headers={"Content-Type": "application/json"})
            assert response.status_code == 400, "%s -> %s" % (body, response.status_code)
            assert response.json()["error"] == "bad_request", response.text


def test_logout_revokes_that_token_only(target):
    first, second = target.login("alice"), target.login("alice")
    with target.client(first) as client:
        assert client.post("/logout").status_code == 200, "logout failed"
        after = client.get("/user")
    assert after.status_code == 401, "revoked token still works: %s" % after.text
    with target.client(second) as client:
        assert client.get("/user").status_code == 200, "logout revoked another token"


def test_a_wrong_password_with_quotes_and_unicode_is_a_plain_401(target):
    """Signing in WITH such a password (and one starting with "{"): test_identity.py."""
    with target.client() as client:
        response = client.post("/login/alice", content=json.dumps({"password": 'a"\\\n\u00e9\U0001f600'}),
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 401, response.text


def test_burst_of_wrong_passwords_is_429_with_retry_after(target):
    import uuid
    username = "guess-" + uuid.uuid4().hex[:8]     # a name no other test uses
    statuses = []
    with target.client() as client:
        for _ in range(12):
            response = client.post("/login/" + username, content="wrong")
            statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10, statuses
    assert statuses[-1] == 429, statuses
    assert int(response.headers["retry-after"]) > 0, response.headers
    assert response.json()["error"] == "too_many_requests", response.text


def test_renew_gives_a_later_token_and_the_old_one_keeps_its_expiry(target):
    import time
    with target.client() as client:
        first = client.post("/login/alice", content=target.users["alice"]).json()
    time.sleep(1.1)
    with target.client(first["token"]) as client:
        response = client.post("/renew")
    assert response.status_code == 200, response.text
    renewed = response.json()
    assert renewed["token"] != first["token"] and renewed["expires"] > first["expires"], renewed
    with target.client(renewed["token"]) as client:
        assert client.get("/user").json()["username"] == "alice"
    with target.client(first["token"]) as client:     # still valid until its own expiry
        assert client.get("/user").status_code == 200
    with target.client() as client:
        assert client.post("/renew").status_code == 401, "renewed without a token"
