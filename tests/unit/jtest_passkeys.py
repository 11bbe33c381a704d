"""Passkey ceremonies' bookkeeping: challenges, the relying party, stale records.
(The cryptography is exercised end to end in tests/http/test_passkeys.py.)"""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.auth.passkeys.ceremonies import USER_HANDLE_PROPERTY
from sparkweb.auth.passkeys.challenges import (AUTHENTICATE, MAX_CHALLENGES_PER_USER, REGISTER,
                                               Challenges)
from sparkweb.auth.passkeys.relying_party import relying_party
from sparkweb.config import Settings
from sparkweb.openfire.facade import PasskeyRecord
from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.secure_random import base64url as encode
from support import Clock, openfire_with_users, services


def test_challenge_is_single_use_and_bound_to_user_and_ceremony():
    clock = Clock()
    challenges = Challenges(clock)
    issued = encode(challenges.issue(u"alice", AUTHENTICATE, 120))
    assert not challenges.take(u"bob", AUTHENTICATE, issued), "another user's challenge taken"
    assert not challenges.take(u"alice", REGISTER, issued), "taken for the other ceremony"
    assert challenges.take(u"alice", AUTHENTICATE, issued), "the right challenge refused"
    assert not challenges.take(u"alice", AUTHENTICATE, issued), "a challenge was used twice"


def test_challenge_expires_and_is_swept():
    clock = Clock()
    challenges = Challenges(clock)
    late = encode(challenges.issue(u"alice", REGISTER, 120))
    kept = encode(challenges.issue(u"alice", REGISTER, 600))
    clock.advance(121)
    challenges.sweep()
    assert not challenges.take(u"alice", REGISTER, late), "an expired challenge was accepted"
    assert challenges.take(u"alice", REGISTER, kept), "the sweep removed a live challenge"


def test_challenges_are_random():
    challenges = Challenges(Clock())
    issued = set(encode(challenges.issue(u"alice", REGISTER, 60)) for _ in range(50))
    assert len(issued) == 50, "challenges repeat"


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


def test_starts_for_one_user_only_crowd_out_that_users_oldest_challenges():
    challenges = Challenges(Clock())
    first = encode(challenges.issue(u"alice", AUTHENTICATE, 120))
    bobs = encode(challenges.issue(u"bob", AUTHENTICATE, 120))
    latest = [encode(challenges.issue(u"alice", AUTHENTICATE, 120))
              for _ in range(MAX_CHALLENGES_PER_USER)]
    assert not challenges.take(u"alice", AUTHENTICATE, first), "oldest challenge not dropped"
    assert challenges.take(u"bob", AUTHENTICATE, bobs), "another user's challenge was dropped"
    assert all(challenges.take(u"alice", AUTHENTICATE, text) for text in latest), \
        "a recent challenge was dropped"
    challenges.sweep()
    assert challenges._by_user.isEmpty(), "bookkeeping of finished ceremonies kept"
