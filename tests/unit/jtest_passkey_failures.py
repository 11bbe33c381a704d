"""Failed passkey sign-ins count against the client address only: a stranger sending bogus
assertions for a name must not lock its owner out of passkey or password sign-in (review 1,
finding 1). Guessing a passkey's signature is infeasible, so the username needs no limit."""
from __future__ import absolute_import

import json

from sparkweb.errors import TooManyRequests, Unauthorized
from sparkweb.secure_random import base64url as encode
from support import raised, services


def _bogus_assertion(challenge):
    client_data = json.dumps({"type": "webauthn.get", "challenge": challenge,
                              "origin": "http://localhost:7070"})
    return {"id": u"c3RyYW5nZXJzLWtleQ", "type": "public-key",
            "response": {"clientDataJSON": encode(bytearray(client_data)),
                         "authenticatorData": u"AAAA", "signature": u"AAAA"}}


def _stranger_signs_in(app, username, address, challenge):
    return raised(lambda: app.authenticator.sign_in(
        username, address,
        lambda: app.passkeys.authenticate(username, _bogus_assertion(challenge))))


def test_bogus_passkey_finishes_from_many_addresses_do_not_lock_out_the_user():
    app = services()
    made_up = u"A" * 55
    for index in range(30):          # three times the per-user limit of failed logins
        error = _stranger_signs_in(app, u"bob", u"192.0.2.%d" % index, made_up)
        assert isinstance(error, Unauthorized), "bogus finish %d: %r" % (index, error)
    error = raised(lambda: app.authenticator.login(u"bob", u"bob-pw", u"198.51.100.1"))
    assert error is None, "bob's right password was refused after strangers' passkey " \
                          "failures: %r" % error


def test_unknown_credential_ids_with_a_real_challenge_do_not_lock_out_the_user():
    app = services()
    for index in range(30):
        options = app.passkeys.authentication_options(u"bob", u"192.0.2.%d" % index)
        error = _stranger_signs_in(app, u"bob", u"192.0.2.%d" % index, options["challenge"])
        assert isinstance(error, Unauthorized), "unknown credential %d: %r" % (index, error)
    error = raised(lambda: app.authenticator.login(u"bob", u"bob-pw", u"198.51.100.1"))
    assert error is None, "bob's password refused after unknown-credential finishes: %r" % error


def test_passkey_failures_still_count_against_the_address():
    app = services()
    made_up = u"A" * 55
    refused = None
    for attempt in range(200):
        error = _stranger_signs_in(app, u"user%d" % attempt, u"192.0.2.7", made_up)
        if isinstance(error, TooManyRequests):
            refused = attempt
            break
        assert isinstance(error, Unauthorized), "bogus finish %d: %r" % (attempt, error)
    assert refused == 50, "the address was refused after %r failures, limit 50" % refused
    error = raised(lambda: app.authenticator.login(u"alice", u"alice-pw", u"192.0.2.8"))
    assert error is None, "another address was refused: %r" % error


def test_wrong_passwords_still_count_per_user():
    app = services()
    for index in range(10):
        error = raised(lambda: app.authenticator.login(u"bob", u"wrong", u"192.0.2.%d" % index))
        assert isinstance(error, Unauthorized), "wrong password %d: %r" % (index, error)
    error = raised(lambda: app.authenticator.login(u"bob", u"bob-pw", u"198.51.100.1"))
    assert isinstance(error, TooManyRequests), "the per-user password limit is gone: %r" % error
