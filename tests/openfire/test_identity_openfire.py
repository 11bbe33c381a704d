"""Accounts as Openfire keeps them, changed by an administrator in Openfire's own admin console:
a lock-out in every spelling of the name, a changed password, a deleted and re-created
account, and the setting that takes passwords only as JSON."""
import re
import time
import uuid

import pytest

from openfire.test_admin_console import AdminConsole

ODD_PASSWORD = '{"pass\'word \u00e9\U0001F600 \\'   # starts with {, quotes, unicode, backslash
ACCOUNT_CHECK_SECONDS = 5   # how long SparkWeb trusts an account check (auth/accounts.py)


@pytest.fixture
def admin(server, target):
    console = AdminConsole(server)
    response = console.login("admin", target.users["admin"])
    assert response.status_code == 302, "admin login refused: %s" % response.status_code
    yield console
    console.client.close()


def form(console, page, username, **fields):
    """Submits one of Openfire's admin forms about ``username`` with the CSRF value its page
    just issued."""
    shown = console.client.get(page, params={"username": username})
    data = {"csrf": re.search(r'name="csrf" value="([^"]+)"', shown.text).group(1),
            "username": username}
    data.update(fields)
    return console.client.post(page, data=data)


def lock(console, username, action):
    return form(console, "/user-lockout.jsp", username, startdelay="-1", duration="-1",
                **{action: "true"})


def set_password(console, username, password):
    answer = form(console, "/user-password.jsp", username, password=password,
                  passwordConfirm=password, update="Update Password")
    assert answer.status_code == 302 and "success=true" in answer.headers["location"], \
        "Openfire did not change the password: %s" % answer.status_code


def create_user(console, username, password):
    answer = form(console, "/user-create.jsp", username, name=username.capitalize(), email="",
                  password=password, passwordConfirm=password, create="Create User")
    assert answer.status_code == 302 and "success=true" in answer.headers["location"], \
        "Openfire did not create %s: %s" % (username, answer.status_code)


def delete_user(console, username):
    answer = form(console, "/user-delete.jsp", username, delete="Delete User")
    assert answer.status_code == 302, "Openfire did not delete %s: %s" % (username,
                                                                         answer.status_code)


def status_within(target, token, expected, seconds):
    """GET /user with ``token`` until it answers ``expected`` or ``seconds`` pass."""
    deadline = time.time() + seconds
    with target.client(token) as client:
        status = client.get("/user").status_code
        while status != expected and time.time() < deadline:
            time.sleep(0.5)
            status = client.get("/user").status_code
    return status


def login(target, name, password, **kwargs):
    with target.client() as client:
        return client.post("/login/" + name, content=password, **kwargs)


def test_no_spelling_of_a_locked_out_name_signs_in(admin, target):
    upper = login(target, "CAROL", target.users["carol"])
    assert upper.status_code == 200, upper.text
    try:
        locked = lock(admin, "carol", "lock")
        assert locked.status_code == 302 and "locksuccess" in locked.headers["location"], \
            "Openfire did not lock the account: %s" % locked.status_code
        for spelling in ("carol", "Carol", "CAROL", " carol ", "carol@" + target.domain,
                         "CAROL@" + target.domain.upper()):
            answer = login(target, spelling, target.users["carol"])
            assert answer.status_code == 401, "%r signed in to a locked-out account: %s" % (
                spelling, answer.status_code)
        assert status_within(target, upper.json()["token"], 401, ACCOUNT_CHECK_SECONDS + 10) \
            == 401, "a token issued to CAROL works while carol is locked out"
    finally:
        lock(admin, "carol", "unlock")
    assert login(target, "Carol", target.users["carol"]).status_code == 200, "unlock failed"


def test_a_password_change_ends_every_earlier_token(admin, target):
    old = target.login("bob")
    upper = login(target, "BOB", target.users["bob"]).json()["token"]
    try:
        set_password(admin, "bob", ODD_PASSWORD)
        for token in (old, upper):
            assert status_within(target, token, 401, 2) == 401, \
                "a token from before the password change works"
            with target.client(token) as client:
                assert client.post("/renew").status_code == 401, "renewed after the change"
        for kwargs in ({"content": ODD_PASSWORD.encode("utf-8")},
                       {"json": {"password": ODD_PASSWORD}}):
            with target.client() as client:
                answer = client.post("/login/bob", **kwargs)
            assert answer.status_code == 200, "the new password (%s) is refused: %s %s" % (
                list(kwargs), answer.status_code, answer.text)
    finally:
        set_password(admin, "bob", target.users["bob"])
    assert login(target, "bob", target.users["bob"]).status_code == 200, "password not restored"


def test_a_recreated_account_is_not_the_deleted_one(admin, target):
    name, password = "erin" + uuid.uuid4().hex[:6], "erin-" + uuid.uuid4().hex
    create_user(admin, name, password)
    try:
        first = login(target, name, password)
        assert first.status_code == 200, first.text
        token = first.json()["token"]
        delete_user(admin, name)
        create_user(admin, name, password)
        assert status_within(target, token, 401, 2) == 401, \
            "the deleted account's token works for the new one"
        fresh = login(target, name, password)
        assert fresh.status_code == 200, "the new account cannot sign in: %s" % fresh.text
        assert status_within(target, token, 401, 0) == 401, "the old token works again"
    finally:
        delete_user(admin, name)


def test_required_json_takes_passwords_only_as_json(admin, target):
    try:
        saved = admin.post({"action": "save", "sparkweb.login.requireJson": "true"})
        assert saved.status_code == 303, "save answered %s" % saved.status_code
        for _ in range(12):
            raw = login(target, "alice", "wrong", headers={"Content-Type": "text/plain"})
            assert raw.status_code == 415, "raw password: %s %s" % (raw.status_code, raw.text)
        with target.client() as client:
            answer = client.post("/login/alice", json={"password": target.users["alice"]})
        assert answer.status_code == 200, "JSON login refused: %s" % answer.text
    finally:
        admin.post({"action": "save", "sparkweb.login.requireJson": ""})
    assert login(target, "alice", target.users["alice"]).status_code == 200, "not reset"
