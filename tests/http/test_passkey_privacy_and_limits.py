"""Passkey sign-in against strangers: no way to tell who exists or has passkeys (issue 9.9),
starts limited per address and per user, and no way to spoil someone else's ceremony or
lock everyone out by starting many (issue 9.10)."""
import time
import uuid

import httpx
import pytest

from harness.passkeys import Passkey, page_origin, register, sign_in, unb64url

# Defaults of sparkweb.webauthn.maxStartsPerAddress / maxStartsPerUser (per minute).
STARTS_PER_ADDRESS = 60
STARTS_PER_USER = 120


def _from(target, address):
    """A client whose requests come from another loopback address (per-address limits)."""
    return target.client(transport=httpx.HTTPTransport(local_address=address))


def _unknown_name():
    return "nobody-" + uuid.uuid4().hex[:10]


def _registered(target, username):
    passkey = Passkey(page_origin(target))
    with target.client() as client:
        finished = register(client, username, passkey, content=target.users[username])
    assert finished.status_code == 200, finished.text
    return passkey


def _start(client, username):
    answer = client.post("/webauthn/authenticate/start/" + username)
    assert answer.status_code == 200, "start for %s: %s %s" % (
        username, answer.status_code, answer.text)
    return answer.json()


# --- who exists, who has passkeys ------------------------------------------------------------

def _shape(options):
    """Everything about sign-in options except the values that differ by nature (which
    passkeys, and whether the browser reported their transports)."""
    entries = options["allowCredentials"]
    return (sorted(options), options["rpId"], options["timeout"], options["userVerification"],
            len(unb64url(options["challenge"])), bool(entries),
            all({"type", "id"} <= set(entry) <= {"type", "id", "transports"}
                for entry in entries),
            set(entry["type"] for entry in entries))


def test_sign_in_options_look_alike_for_unknown_users_and_users_without_passkeys(target):
    _registered(target, "carol")
    unknown = _unknown_name()
    with _from(target, "127.0.0.21") as client:
        with_passkeys, without, nobody = (_start(client, name)     # no test adds admin's
                                          for name in ("carol", "admin", unknown))
        nobody_again = _start(client, unknown)
        other = _start(client, _unknown_name())
    assert _shape(nobody) == _shape(with_passkeys) == _shape(without), (
        "options differ in shape:\n%r\n%r\n%r" % (with_passkeys, without, nobody))
    assert nobody["allowCredentials"] == nobody_again["allowCredentials"], \
        "an unknown user's credentials change from one start to the next"
    assert nobody["allowCredentials"] != other["allowCredentials"], \
        "every unknown user gets the same credentials"
    for entry in nobody["allowCredentials"] + without["allowCredentials"]:
        assert 16 <= len(unb64url(entry["id"])) <= 64, "implausible credential id %r" % entry


def test_sign_in_failures_do_not_tell_who_exists(target):
    _registered(target, "carol")
    stranger = Passkey(page_origin(target))   # a passkey registered nowhere
    unknown = _unknown_name()
    answers = {}
    with _from(target, "127.0.0.22") as client:
        for name in ("carol", unknown):
            options = _start(client, name)
            stranger.device.cred_init(options["rpId"], b"someone")
            answers[name] = client.post("/webauthn/authenticate/finish/" + name,
                                        json=stranger.get(options))
            answers[name + " without start"] = client.post(
                "/webauthn/authenticate/finish/" + name,
                json=stranger.get(dict(options, challenge="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")))
    for suffix in ("", " without start"):
        known, nobody = answers["carol" + suffix], answers[unknown + suffix]
        assert (known.status_code, known.json()) == (nobody.status_code, nobody.json()), (
            "finish%s tells an existing user from an unknown one: %s %s / %s %s" % (
                suffix, known.status_code, known.text, nobody.status_code, nobody.text))
        assert known.status_code == 401, known.text


# --- strangers' starts ---------------------------------------------------------------------

def test_starts_by_strangers_do_not_spoil_a_pending_sign_in(target):
    passkey = _registered(target, "carol")
    with target.client() as victim:
        options = _start(victim, "carol")
        with _from(target, "127.0.0.23") as attacker:
            for _ in range(12):
                _start(attacker, "carol")
        finished = victim.post("/webauthn/authenticate/finish/carol", json=passkey.get(options))
    assert finished.status_code == 200, "the stranger's starts spoiled it: " + finished.text


def _starts_until_refused(client, names, most):
    """Sends starts (one per name from ``names``) until one is refused; (count, answer)."""
    began = time.monotonic()
    for count in range(1, most + 1):
        answer = client.post("/webauthn/authenticate/start/" + next(names))
        if answer.status_code != 200:
            return count, answer, time.monotonic() - began
    return None, answer, time.monotonic() - began


def _assert_refused_at_the_limit(count, answer, elapsed, limit, what):
    assert count is not None, "%s: no start was refused (limit %d per minute)" % (what, limit)
    assert answer.status_code == 429, "%s: %s %s" % (what, answer.status_code, answer.text)
    assert answer.json()["error"] == "too_many_requests", answer.text
    assert int(answer.headers["retry-after"]) >= 1, answer.headers
    refilled = int(elapsed * limit / 60.0) + 1     # the limit is a rate: time adds starts
    assert limit < count <= limit + refilled + 1, "%s: refused after %d starts in %.1f s" % (
        what, count, elapsed)


def test_starts_from_one_address_are_limited(target):
    names = iter(_unknown_name() for _ in range(STARTS_PER_ADDRESS * 2))
    with _from(target, "127.0.0.24") as client:
        count, answer, elapsed = _starts_until_refused(client, names, STARTS_PER_ADDRESS * 2)
    _assert_refused_at_the_limit(count, answer, elapsed, STARTS_PER_ADDRESS, "one address")
    with _from(target, "127.0.0.25") as elsewhere:
        _start(elsewhere, _unknown_name())   # other addresses are not affected


def test_starts_for_one_user_are_limited_whatever_the_address(target):
    victim = _unknown_name()     # an unknown user is limited like any other
    clients = [_from(target, "127.0.0.%d" % number) for number in range(26, 31)]
    try:
        began, count, answer = time.monotonic(), 0, None
        for client in clients:
            for _ in range(STARTS_PER_ADDRESS - 5):
                count += 1
                answer = client.post("/webauthn/authenticate/start/" + victim)
                if answer.status_code != 200:
                    break
            if answer.status_code != 200:
                break
        _assert_refused_at_the_limit(count if answer.status_code != 200 else None, answer,
                                     time.monotonic() - began, STARTS_PER_USER, "one user")
        _start(clients[-1], _unknown_name())   # that address may still start for others
    finally:
        for client in clients:
            client.close()


# --- strangers' failed sign-ins ----------------------------------------------------------------

FAILURES_PER_USER = 10     # sparkweb.login.maxFailuresPerUser, default


def test_strangers_failed_passkey_sign_ins_do_not_lock_out_the_user(target):
    passkey = _registered(target, "carol")
    stranger = Passkey(page_origin(target))   # a passkey registered nowhere
    for number in range(FAILURES_PER_USER + 2):
        with _from(target, "127.0.0.%d" % (40 + number)) as client:
            options = _start(client, "carol")
            stranger.device.cred_init(options["rpId"], b"someone")
            made_up = dict(options, challenge="AQ" + "A" * 53)    # never issued
            for assertion in (stranger.get(made_up), stranger.get(options)):
                failed = client.post("/webauthn/authenticate/finish/carol", json=assertion)
                assert failed.status_code == 401, "stranger's finish %d: %s %s" % (
                    number, failed.status_code, failed.text)
    with _from(target, "127.0.0.60") as client:
        login = client.post("/login/carol", content=target.users["carol"])
        assert login.status_code == 200, "carol's password after strangers' passkey " \
            "failures: %s %s" % (login.status_code, login.text)
        finished, _ = sign_in(client, "carol", passkey)
        assert finished.status_code == 200, "carol's passkey after strangers' failures: %s %s" % (
            finished.status_code, finished.text)


def test_registration_starts_are_limited_per_user(target):
    # admin: no other test registers passkeys for it, so none is refused for a minute after.
    with target.client(target.login("admin")) as admin:
        count, answer, elapsed = _starts_until_refused_at(
            admin, "/webauthn/register/start/admin", STARTS_PER_USER * 2)
    _assert_refused_at_the_limit(count, answer, elapsed, STARTS_PER_USER, "registrations")


def _starts_until_refused_at(client, path, most):
    began = time.monotonic()
    for count in range(1, most + 1):
        answer = client.post(path)
        if answer.status_code != 200:
            return count, answer, time.monotonic() - began
    return None, answer, time.monotonic() - began
