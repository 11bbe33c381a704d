"""Passkey ceremonies' bookkeeping: challenges, the relying party, stale records, who may
tell what from sign-in options.
(The cryptography is exercised end to end in tests/http/test_passkeys.py.)"""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.auth.passkeys.ceremonies import USER_HANDLE_PROPERTY
from sparkweb.auth.passkeys.challenges import (AUTHENTICATE, CHALLENGE_BYTES, FAIR_SHARE,
                                               REGISTER, Challenges)
from sparkweb.auth.passkeys.relying_party import relying_party
from sparkweb.auth.passkeys.secret import Secret
from sparkweb.config import Settings
from sparkweb.errors import TooManyRequests
from sparkweb.openfire.facade import PasskeyRecord
from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.secure_random import base64url as encode, random_bytes
from support import Clock, openfire_with_users, raised, services


def _challenges(clock=None, *limits):
    return Challenges(Secret(random_bytes(32)), clock or Clock(), *limits)


def test_challenge_is_single_use_and_bound_to_user_and_ceremony():
    challenges = _challenges()
    issued = encode(challenges.issue(u"alice", AUTHENTICATE, 120))
    assert challenges.is_valid(u"alice", AUTHENTICATE, issued), "the right challenge refused"
    for username, ceremony in ((u"bob", AUTHENTICATE), (u"alice", REGISTER),
                               (u"alice ", AUTHENTICATE), (u"Alice", AUTHENTICATE)):
        assert not challenges.is_valid(username, ceremony, issued), \
            "taken for %r/%s" % (username, ceremony)
        assert not challenges.use(username, ceremony, issued), "used for %r" % username
    assert challenges.use(u"alice", AUTHENTICATE, issued), "the right challenge not used"
    assert not challenges.is_valid(u"alice", AUTHENTICATE, issued), "valid after its use"
    assert not challenges.use(u"alice", AUTHENTICATE, issued), "a challenge was used twice"


def test_challenge_expires_and_its_use_is_forgotten_then():
    clock = Clock()
    challenges = _challenges(clock)
    late = encode(challenges.issue(u"alice", REGISTER, 120))
    kept = encode(challenges.issue(u"alice", REGISTER, 600))
    assert challenges.use(u"alice", REGISTER, kept)
    clock.advance(121)
    assert not challenges.is_valid(u"alice", REGISTER, late), "an expired challenge is valid"
    assert not challenges.use(u"alice", REGISTER, late), "an expired challenge was used"
    challenges.sweep()
    assert challenges.used_count() == 1, "the sweep forgot a use before its expiry"
    clock.advance(480)
    challenges.sweep()
    assert challenges.used_count() == 0, "an expired use is still remembered"


def test_a_forged_or_altered_challenge_is_refused():
    clock = Clock()
    challenges = _challenges(clock)
    issued = challenges.issue(u"alice", AUTHENTICATE, 120)
    for index in (0, 1, 8, 9, 24, 25, len(issued) - 1):   # version, expiry, nonce, MAC
        altered = issued[:]
        altered[index] = (altered[index] + 1) % 128
        assert not challenges.is_valid(u"alice", AUTHENTICATE, encode(altered)), \
            "byte %d altered and still valid" % index
    other_secret = _challenges(clock).issue(u"alice", AUTHENTICATE, 120)
    assert not challenges.is_valid(u"alice", AUTHENTICATE, encode(other_secret)), \
        "a challenge of another secret is valid"
    for text in (u"", u"%%%", u"AAAA", encode(random_bytes(CHALLENGE_BYTES))):
        assert not challenges.is_valid(u"alice", AUTHENTICATE, text), "%r is valid" % text


def test_challenges_are_random():
    challenges = _challenges()
    issued = set(encode(challenges.issue(u"alice", REGISTER, 60)) for _ in range(50))
    assert len(issued) == 50, "challenges repeat"


def _use_new(challenges, username, seconds=60):
    return challenges.use(username, AUTHENTICATE,
                          encode(challenges.issue(username, AUTHENTICATE, seconds)))


def test_used_challenges_are_capped_per_user_and_make_room_as_they_expire():
    clock = Clock()
    challenges = _challenges(clock, 3)
    for _ in range(3):
        assert _use_new(challenges, u"bob"), "bob's use within his cap"
    fourth = encode(challenges.issue(u"bob", AUTHENTICATE, 120))
    refused = raised(lambda: challenges.use(u"bob", AUTHENTICATE, fourth))
    assert isinstance(refused, TooManyRequests), "past the cap: %r" % refused
    assert challenges.used_count() == 3, "the cap was exceeded: %d" % challenges.used_count()
    clock.advance(61)
    assert challenges.use(u"bob", AUTHENTICATE, fourth), "no room after the others expired"
    assert challenges.used_count() == 1, challenges.used_count()


def test_one_users_marks_never_stop_anothers_ceremony():
    challenges = _challenges(Clock(), 3)
    for _ in range(3):
        _use_new(challenges, u"bob")
    assert isinstance(raised(lambda: _use_new(challenges, u"bob")), TooManyRequests), \
        "bob is past his cap"
    error = raised(lambda: _use_new(challenges, u"alice"))
    assert error is None, "bob's marks made alice's ceremony fail: %r" % error


def test_past_the_total_only_users_holding_a_fair_share_are_refused():
    clock = Clock()
    challenges = _challenges(clock, 1000, FAIR_SHARE * 2)
    for username in (u"bob", u"carol"):
        for _ in range(FAIR_SHARE):
            _use_new(challenges, username)
    assert challenges.used_count() == FAIR_SHARE * 2, challenges.used_count()
    refused = raised(lambda: _use_new(challenges, u"bob"))
    assert isinstance(refused, TooManyRequests), "bob went past the total: %r" % refused
    for _ in range(FAIR_SHARE):
        assert _use_new(challenges, u"alice"), "alice, below her fair share, was refused"
    assert isinstance(raised(lambda: _use_new(challenges, u"alice")), TooManyRequests), \
        "alice went past the total with a fair share"
    clock.advance(61)
    challenges.sweep()
    assert challenges.used_count() == 0, "expired marks kept: %d" % challenges.used_count()
    assert challenges._used.isEmpty(), "users without marks are still tracked"


def _relying_party(web_urls, **properties):
    openfire = MemoryOpenfire(u"example.test", web_urls=web_urls)
    for key, value in properties.items():
        openfire.set_property(key, value)
    return relying_party(Settings(openfire), openfire)


def test_defaults_come_from_openfires_web_addresses():
    rp = _relying_party([u"http://chat.example.org:7070", u"https://chat.example.org:7443"])
    assert rp.id == u"chat.example.org", rp.id
    assert rp.origins == [u"http://chat.example.org:7070", u"https://chat.example.org:7443"]
    assert rp.name == u"example.test" and rp.user_verification == u"preferred"


def test_loopback_address_gets_a_localhost_twin():
    rp = _relying_party([u"http://127.0.0.1:8080"])
    assert rp.id == u"localhost", rp.id
    assert u"http://localhost:8080" in rp.origins and u"http://127.0.0.1:8080" in rp.origins


def test_public_origin_behind_a_proxy_sets_the_relying_party():
    rp = _relying_party([u"http://10.0.0.5:7070"], **{
        config.WEBAUTHN_ORIGINS.key: u"https://chat.example.org"})
    assert rp.origins == [u"https://chat.example.org"] and rp.id == u"chat.example.org"
    explicit = _relying_party([u"http://10.0.0.5:7070"], **{
        config.WEBAUTHN_ORIGINS.key: u"https://chat.example.org",
        config.WEBAUTHN_RP_ID.key: u"example.org",
        config.WEBAUTHN_USER_VERIFICATION.key: u"REQUIRED"})
    assert explicit.id == u"example.org" and explicit.verification_required


def test_unknown_user_verification_policy_falls_back_to_preferred():
    rp = _relying_party([u"http://a.example:7070"], **{
        config.WEBAUTHN_USER_VERIFICATION.key: u"sometimes"})
    assert rp.user_verification == u"preferred" and not rp.verification_required


def _record(credential_id, username, handle):
    return PasskeyRecord(credential_id, username, handle, u"key", u"AAAA", 0, created_at=1)


def test_passkeys_of_a_deleted_account_do_not_carry_over():
    openfire = openfire_with_users()
    app = services(openfire)
    app.passkeys.registration_options(u"alice")   # gives alice a user handle
    handle = openfire.get_user_properties(u"alice")[USER_HANDLE_PROPERTY]
    openfire.add_passkey(_record(u"current", u"alice", handle))
    openfire.add_passkey(_record(u"stale", u"alice", u"handle-of-a-deleted-alice"))
    assert [record.credential_id for record in app.passkeys.passkeys(u"alice")] == [u"current"]
    app.passkeys.authentication_options(u"alice")
    assert openfire.find_passkey(u"stale") is not None, "a sign-in start wrote to the store"
    app.passkeys.housekeeping()
    assert openfire.find_passkey(u"stale") is None, "stale passkey not removed"
    assert openfire.find_passkey(u"current") is not None, "a current passkey was removed"


def test_store_refuses_a_duplicate_id_and_counter_moves_by_compare_and_set():
    openfire = openfire_with_users()
    assert openfire.add_passkey(_record(u"one", u"alice", u"h"))
    assert not openfire.add_passkey(_record(u"one", u"bob", u"h")), "duplicate id stored"
    assert openfire.record_passkey_use(u"alice", u"one", 0, 5, False, 10)
    assert not openfire.record_passkey_use(u"alice", u"one", 0, 6, False, 11), \
        "a stale counter value was accepted"
    assert not openfire.record_passkey_use(u"bob", u"one", 5, 6, False, 11), "wrong owner"
    assert not openfire.delete_passkey(u"bob", u"one"), "another user deleted it"
