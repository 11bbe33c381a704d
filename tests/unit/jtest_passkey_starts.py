"""Passkey sign-in starts, which anyone may send for any name: what they tell (nothing about
who exists), what they cost (limited per address and per user, bounded memory), and that no
number of them spoils someone else's ceremony."""
from __future__ import absolute_import

from java.util import Base64

from sparkweb import config
from sparkweb.auth.passkeys.challenges import AUTHENTICATE
from sparkweb.auth.passkeys.limits import StartLimits, address_block
from sparkweb.auth.passkeys.secret import Secret, load_or_create_secret
from sparkweb.auth.passkeys.stand_ins import stand_in_credentials
from sparkweb.config import Settings
from sparkweb.errors import TooManyRequests
from sparkweb.openfire.facade import PasskeyRecord
from sparkweb.secure_random import random_bytes
from support import Clock, openfire_with_users, raised, services


def _limits(clock, per_address=3, per_user=5, max_tracked=1000):
    openfire = openfire_with_users()
    openfire.set_property(config.WEBAUTHN_STARTS_PER_ADDRESS.key, unicode(per_address))
    openfire.set_property(config.WEBAUTHN_STARTS_PER_USER.key, unicode(per_user))
    return StartLimits(Settings(openfire), clock, max_tracked)


def _refused(limits, username, address):
    return isinstance(raised(lambda: limits.check(username, address)), TooManyRequests)


# --- limits ------------------------------------------------------------------------------------

def test_starts_per_address_are_limited_and_refill_over_a_minute():
    clock = Clock()
    limits = _limits(clock, per_address=3)
    for name in (u"a", u"b", u"c"):
        assert not _refused(limits, name, u"192.0.2.1"), "refused within the limit"
    error = raised(lambda: limits.check(u"d", u"192.0.2.1"))
    assert isinstance(error, TooManyRequests), "the fourth start was not refused: %r" % error
    assert 1 <= int(error.headers["Retry-After"]) <= 21, error.headers
    assert not _refused(limits, u"d", u"192.0.2.2"), "another address was refused"
    clock.advance(20)     # a third of a minute: one start of three back
    assert not _refused(limits, u"e", u"192.0.2.1"), "no start back after 20 s"
    assert _refused(limits, u"f", u"192.0.2.1"), "more than one start back after 20 s"


def test_starts_per_user_are_limited_across_addresses_for_unknown_names_too():
    limits = _limits(Clock(), per_address=100, per_user=5)
    for index in range(5):
        assert not _refused(limits, u"nobody-here", u"192.0.2.%d" % index)
    assert _refused(limits, u"nobody-here", u"192.0.2.99"), "a sixth start for one name"
    assert not _refused(limits, u"alice", u"192.0.2.99"), "another name was refused"


def test_a_refused_start_charges_neither_bucket():
    limits = _limits(Clock(), per_address=2, per_user=1)
    limits.check(u"bob", u"192.0.2.1")
    assert _refused(limits, u"bob", u"192.0.2.1"), "bob's second start"
    limits.check(u"carol", u"192.0.2.1")   # the address still has its second start
    assert _refused(limits, u"dave", u"192.0.2.1"), "the address had only two"


def test_ipv6_addresses_count_per_64_block():
    assert address_block(u"2001:db8:1:2:aaaa::1") == address_block(u"[2001:db8:1:2:ffff::9]")
    assert address_block(u"2001:db8:1:2::1") != address_block(u"2001:db8:1:3::1")
    assert address_block(u"192.0.2.7") == u"192.0.2.7"
    assert address_block(u"not:an:address:zz") == u"not:an:address:zz"
    limits = _limits(Clock(), per_address=2)
    limits.check(u"a", u"2001:db8:1:2::1")
    limits.check(u"b", u"2001:db8:1:2::2")
    assert _refused(limits, u"c", u"2001:db8:1:2:ffff:ffff:ffff:ffff"), "a /64 dodged the limit"


def test_tracked_buckets_are_capped_forgotten_when_idle_and_never_lock_anyone_out():
    clock = Clock()
    limits = _limits(clock, per_address=2, per_user=1000, max_tracked=10)
    for index in range(20):
        limits.check(u"user%d" % index, None)
    assert limits.tracked() == 10, "tracked %d buckets, cap 10" % limits.tracked()
    limits.check(u"busy", None)    # the table is full: a new name goes untracked, not refused
    limits.check(u"busy", None)
    limits2 = _limits(clock, per_address=1, max_tracked=2)
    limits2.check(u"x", u"192.0.2.1")
    assert _refused(limits2, u"y", u"192.0.2.1"), "a tracked key lost its limit when full"
    clock.advance(60)
    limits.sweep()
    assert limits.tracked() == 0, "idle buckets kept: %d" % limits.tracked()



def test_a_full_table_costs_a_start_no_copy_of_it():
    """Anyone may start: once the table is full, a start with new keys must not sweep the
    whole table each time (a sweep copies it), only once a second."""
    from sparkweb import per_minute
    from sparkweb.auth.passkeys import limits as limits_module
    clock = Clock()
    limits = _limits(clock, per_address=1000, per_user=1000, max_tracked=50)
    for index in range(50):
        limits.check(u"user%d" % index, None)
    original, sweeps = per_minute.sweep_full, []
    counted = lambda buckets, now: (sweeps.append(now), original(buckets, now))
    patched = [module for module in (per_minute, limits_module) if hasattr(module, "sweep_full")]
    for module in patched:
        module.sweep_full = counted
    try:
        for index in range(40):
            limits.check(u"new%d" % index, u"192.0.2.%d" % index)
    finally:
        for module in patched:
            module.sweep_full = original
    assert len(sweeps) <= 1, "%d full sweeps for 40 starts in one second" % len(sweeps)
    assert limits.tracked() == 50, "tracked %d, cap 50" % limits.tracked()

# --- what the options tell ---------------------------------------------------------------------

def _record(openfire, app, username, credential_id):
    app.passkeys.registration_options(username)   # gives the user a WebAuthn user handle
    handle = openfire.get_user_properties(username)["sparkweb.webauthn.userHandle"]
    openfire.add_passkey(PasskeyRecord(credential_id, username, handle, u"key", u"AAAA", 0,
                                       transports=(u"internal",), created_at=1))


def _length(credential_id):
    return len(Base64.getUrlDecoder().decode(credential_id))


def test_options_list_real_passkeys_or_stable_stand_ins_alike():
    openfire = openfire_with_users()
    app = services(openfire)
    _record(openfire, app, u"alice", u"YWxpY2VzLXJlYWwtcGFzc2tleQ")
    real = app.passkeys.authentication_options(u"alice")
    without = app.passkeys.authentication_options(u"bob")         # exists, no passkey
    nobody = app.passkeys.authentication_options(u"nobody-here")   # no such user
    assert [entry["id"] for entry in real["allowCredentials"]] == [u"YWxpY2VzLXJlYWwtcGFzc2tleQ"]
    for options in (without, nobody):
        assert sorted(options) == sorted(real), "keys differ: %r / %r" % (options, real)
        entries = options["allowCredentials"]
        assert 1 <= len(entries) <= 2, "%d stand-ins" % len(entries)
        for entry in entries:
            assert set(entry) <= set([u"type", u"id", u"transports"]) and \
                entry["type"] == u"public-key", entry
            assert _length(entry["id"]) in (16, 20, 32, 64), entry
        assert len(options["challenge"]) == len(real["challenge"]), "challenges differ in size"
    again = services(openfire)      # a restart: the secret is kept in the properties
    assert again.passkeys.authentication_options(u"nobody-here")["allowCredentials"] == \
        nobody["allowCredentials"], "stand-ins changed after a restart"
    assert without["allowCredentials"] != nobody["allowCredentials"], "one set for every name"


def test_stand_ins_vary_in_count_length_and_transports():
    secret = Secret(random_bytes(32))
    seen = [stand_in_credentials(secret, u"user%d" % index) for index in range(200)]
    counts = set(len(entries) for entries in seen)
    lengths = set(_length(entry["id"]) for entries in seen for entry in entries)
    transports = set(tuple(entry.get("transports", ())) for entries in seen for entry in entries)
    assert counts == set([1, 2]), counts
    assert lengths == set([16, 20, 32, 64]), lengths
    assert len(transports) >= 4, transports


def test_the_secret_is_created_once_and_stored_encrypted():
    openfire = openfire_with_users()
    first = load_or_create_secret(openfire)
    second = load_or_create_secret(openfire)
    assert openfire.encrypted_properties.containsKey(config.WEBAUTHN_KEY_PROPERTY), \
        "the passkey secret is stored in clear"
    assert first.mac(u"x", u"y").tolist() == second.mac(u"x", u"y").tolist(), \
        "a second start made a new secret"


# --- no number of starts spoils a ceremony or locks anyone out ------------------------------------

def test_starts_for_a_user_do_not_spoil_that_users_pending_ceremony():
    app = services()
    pending = app.passkeys.authentication_options(u"alice")["challenge"]
    for index in range(100):
        app.passkeys.authentication_options(u"alice", u"198.51.100.%d" % index)
    assert app.passkeys.challenges.is_valid(u"alice", AUTHENTICATE, pending), \
        "strangers' starts spoiled a pending challenge"


def test_starts_keep_no_state_per_challenge():
    """A start for every spelling of a name used to take a slot of one table of 50,000
    pending challenges, and a full table refused everyone. Starts now keep nothing that
    could fill up: only a verified credential marks its challenge used."""
    app = services()
    for index in range(500):
        app.passkeys.authentication_options(u" alice%d" % index)
    options = app.passkeys.authentication_options(u"alice")
    assert app.passkeys.challenges.is_valid(u"alice", AUTHENTICATE, options["challenge"])
    assert app.passkeys.challenges.used_count() == 0, "issuing challenges stored something"


def test_registration_starts_are_limited_per_user():
    openfire = openfire_with_users()
    openfire.set_property(config.WEBAUTHN_STARTS_PER_USER.key, u"3")
    app = services(openfire)
    for _ in range(3):
        app.passkeys.registration_options(u"alice")
    refused = raised(lambda: app.passkeys.registration_options(u"alice"))
    assert isinstance(refused, TooManyRequests), "a fourth registration start: %r" % refused
    assert u"registrations" in refused.message, refused.message
    error = raised(lambda: app.passkeys.registration_options(u"bob"))
    assert error is None, "alice's starts limited bob's: %r" % error
    error = raised(lambda: app.passkeys.authentication_options(u"alice"))
    assert error is None, "registrations used up alice's sign-in starts: %r" % error


def test_the_docs_own_up_to_what_long_lists_tell():
    """Real option lists longer than any stand-in list tell that the name has passkeys; that
    cannot be hidden (see stand_ins), so both documents must say so, with the right number."""
    import io
    import os
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
    secret = Secret(random_bytes(32))
    most = max(len(stand_in_credentials(secret, u"user%d" % index)) for index in range(200))
    words = {1: u"one", 2: u"two", 3: u"three"}[most]
    for name in (u"passkeys.md", u"authorization.md"):
        with io.open(os.path.join(docs, name), encoding="utf-8") as doc:
            text = u" ".join(doc.read().split())
        assert u"more than %s credentials" % words in text, \
            "docs/%s does not say that lists of more than %d credentials are real" % (name, most)
