"""Access tokens: what verifies, and everything that must not."""
from __future__ import absolute_import

import base64
import json

from sparkweb import config
from sparkweb.auth import tokens
from sparkweb.auth.tokens import TokenService, load_or_create_key
from sparkweb.errors import Unauthorized
from support import Clock, openfire_with_users, services

KEY = bytearray(range(32))
ACCOUNT = u"account-of-alice"


def rejects(service, token):
    return refusal(service, token) is not None


def refusal(service, token):
    """The Unauthorized that verifying ``token`` raises; None when it verifies."""
    try:
        service.verify(token)
    except Unauthorized as error:
        return error
    return None


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip("=")


def test_issued_token_verifies_with_its_claims():
    clock = Clock()
    service = TokenService(KEY, u"example.test", 3600, clock)
    token, issued = service.issue(u"alice", ACCOUNT)
    claims = service.verify(token)
    assert claims.username == u"alice", "subject was %r" % claims.username
    assert claims.token_id == issued.token_id, "token id changed"
    assert claims.expires_at == clock() // 1000 + 3600, "expiry %r" % claims.expires_at


def test_each_token_has_its_own_id():
    service = TokenService(KEY, u"example.test", 3600, Clock())
    ids = set(service.issue(u"alice", ACCOUNT)[1].token_id for _ in range(20))
    assert len(ids) == 20, "token ids repeat: %r" % ids


def test_expired_token_is_rejected_after_clock_skew():
    clock = Clock()
    service = TokenService(KEY, u"example.test", 60, clock)
    token, _ = service.issue(u"alice", ACCOUNT)
    clock.advance(60 + 20)
    assert not rejects(service, token), "rejected within the allowed clock skew"
    clock.advance(15)
    assert rejects(service, token), "accepted a token past expiry plus skew"


def test_token_signed_with_another_key_is_rejected():
    foreign = TokenService(bytearray(b"x" * 32), u"example.test", 3600, Clock())
    token, _ = foreign.issue(u"alice", ACCOUNT)
    assert rejects(TokenService(KEY, u"example.test", 3600, Clock()), token), "foreign key accepted"


def test_token_for_another_audience_is_rejected():
    clock = Clock()
    token, _ = TokenService(KEY, u"other.test", 3600, clock).issue(u"alice", ACCOUNT)
    assert rejects(TokenService(KEY, u"example.test", 3600, clock), token), "wrong aud accepted"


def test_unsigned_alg_none_token_is_rejected():
    clock = Clock()
    service = TokenService(KEY, u"example.test", 3600, clock)
    now = clock() // 1000
    header = b64(json.dumps({"alg": "none"}))
    payload = b64(json.dumps({"sub": "alice", "jti": "x", "iss": "sparkweb",
                              "aud": ["example.test"], "iat": now, "exp": now + 600}))
    assert rejects(service, header + "." + payload + "."), "alg none accepted"


def test_tampered_payload_is_rejected():
    service = TokenService(KEY, u"example.test", 3600, Clock())
    token, _ = service.issue(u"alice", ACCOUNT)
    head, payload, signature = str(token).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "bob"
    assert rejects(service, ".".join([head, b64(json.dumps(claims)), signature])), "forgery accepted"


def test_garbage_is_rejected():
    service = TokenService(KEY, u"example.test", 3600, Clock())
    for token in (u"", u"abc", u"a.b.c", u"\u00e9\u00e9.x.y", u"." * 5000):
        assert rejects(service, token), "accepted %r" % token[:20]


def test_signing_key_is_random_per_installation_stored_encrypted_and_reused():
    first, second = openfire_with_users(), openfire_with_users()
    key = load_or_create_key(first)
    assert len(key) == 32, "key has %d bytes" % len(key)
    assert len(set(key)) > 8, "key is not random: %r" % list(key)
    assert load_or_create_key(first) == key, "key changed between starts"
    assert load_or_create_key(second) != key, "two installations share a key"
    assert first.encrypted_properties.get(config.TOKEN_KEY_PROPERTY), "key stored unencrypted"


def test_rotating_the_key_rejects_old_tokens_at_once_and_stores_the_new_key_encrypted():
    openfire = openfire_with_users()
    service = TokenService(load_or_create_key(openfire), u"example.test", 3600, Clock())
    stored_before = openfire.get_property(config.TOKEN_KEY_PROPERTY)
    old, _ = service.issue(u"alice", ACCOUNT)
    service.verify(old)   # now in the verified-token cache
    service.rotate_key(openfire)
    assert rejects(service, old), "a token signed with the old key still verifies"
    fresh, _ = service.issue(u"alice", ACCOUNT)
    assert service.verify(fresh).username == u"alice", "a token signed after rotation fails"
    stored = openfire.get_property(config.TOKEN_KEY_PROPERTY)
    assert stored and stored != stored_before, "the new key was not stored"
    assert openfire.encrypted_properties.get(config.TOKEN_KEY_PROPERTY), "new key stored in clear"
    restarted = TokenService(load_or_create_key(openfire), u"example.test", 3600, Clock())
    assert restarted.verify(fresh).username == u"alice", "the stored key is not the one in use"


def test_each_rotation_makes_a_different_random_key():
    openfire = openfire_with_users()
    service = TokenService(load_or_create_key(openfire), u"example.test", 3600, Clock())
    keys = set()
    for _ in range(5):
        service.rotate_key(openfire)
        keys.add(openfire.get_property(config.TOKEN_KEY_PROPERTY))
    assert len(keys) == 5, "rotation repeated a key"


def test_lifetime_function_is_asked_at_each_issue():
    clock = Clock()
    lifetimes = [600]
    service = TokenService(KEY, u"example.test", lambda: lifetimes[0], clock)
    expiry = service.issue(u"alice", ACCOUNT)[1].expires_at
    assert expiry == clock() // 1000 + 600, "first lifetime"
    lifetimes[0] = 120
    expiry = service.issue(u"alice", ACCOUNT)[1].expires_at
    assert expiry == clock() // 1000 + 120, "changed lifetime ignored"


def test_changed_lifetime_setting_applies_to_the_next_token_without_restart():
    clock = Clock()
    app = services(clock=clock)
    app.settings.set(config.TOKEN_LIFETIME, 900)
    _, claims = app.tokens.issue(u"alice", ACCOUNT)
    assert claims.expires_at == clock() // 1000 + 900, "expiry %r" % claims.expires_at


def signed_with_key(issuer=u"sparkweb", audience=u"example.test", subject=u"alice",
                    token_id=u"id-1", clock=None, account=ACCOUNT, auth_time=True):
    """A token signed with the service's own key, claims chosen by the test (jjwt)."""
    from io.jsonwebtoken import Jwts
    from io.jsonwebtoken.security import Keys
    from java.util import Date
    now = (clock or Clock())()
    builder = Jwts.builder().issuer(issuer).issuedAt(Date(now)).expiration(Date(now + 600000))
    if subject:
        builder = builder.subject(subject)
    if token_id:
        builder = builder.id(token_id)
    if account:
        builder = builder.claim("account", account)
    if auth_time:
        builder = builder.claim("auth_time", now // 1000)
    builder = getattr(builder.audience().add(audience), "and")()
    return builder.signWith(Keys.hmacShaKeyFor(KEY), Jwts.SIG.HS256).compact()


def test_correctly_signed_token_with_wrong_issuer_or_missing_claims_is_rejected():
    clock = Clock()
    service = TokenService(KEY, u"example.test", 3600, clock)
    assert not rejects(service, signed_with_key(clock=clock)), "the control token is refused"
    assert rejects(service, signed_with_key(issuer=u"other", clock=clock)), "wrong iss accepted"
    assert rejects(service, signed_with_key(subject=None, clock=clock)), "no sub accepted"
    assert rejects(service, signed_with_key(token_id=None, clock=clock)), "no jti accepted"
    assert rejects(service, signed_with_key(account=None, clock=clock)), "no account accepted"
    assert rejects(service, signed_with_key(auth_time=None, clock=clock)), "no auth_time accepted"


def test_every_refusal_has_the_same_message():
    clock = Clock()
    service = TokenService(KEY, u"example.test", 60, clock)
    token, _ = service.issue(u"alice", ACCOUNT)
    refusals = [refusal(service, u"garbage"),
                refusal(service, signed_with_key(issuer=u"other", clock=clock)),
                refusal(service, signed_with_key(account=None, clock=clock))]
    clock.advance(3600)
    refusals.append(refusal(service, token))
    assert None not in refusals, "a bad token verified: %r" % refusals
    messages = set(error.message for error in refusals)
    messages.add(Unauthorized().message)      # what a missing or revoked token gets
    assert len(messages) == 1, "refusals tell reasons apart: %r" % messages


def test_a_rotation_on_another_cluster_node_is_followed():
    openfire = openfire_with_users()   # one set of system properties, as a cluster shares them
    clock = Clock()
    here = TokenService(load_or_create_key(openfire), u"example.test", 3600, clock)
    there = TokenService(load_or_create_key(openfire), u"example.test", 3600, clock)
    old, _ = here.issue(u"alice", ACCOUNT)
    assert there.verify(old).username == u"alice", "nodes disagree before the rotation"
    assert not there.follow_stored_key(openfire), "switched keys without a rotation"
    here.rotate_key(openfire)
    fresh, _ = here.issue(u"alice", ACCOUNT)
    assert there.follow_stored_key(openfire), "the rotation was not noticed"
    assert rejects(there, old), "the other node still accepts a token of the old key"
    assert there.verify(fresh).username == u"alice", "the other node rejects the new key"


def test_verified_token_cache_stays_within_its_cap():
    saved = tokens.VERIFIED_CACHE_SIZE
    tokens.VERIFIED_CACHE_SIZE = 5
    try:
        service = TokenService(KEY, u"example.test", 3600, Clock())
        issued = [service.issue(u"alice", ACCOUNT)[0] for _ in range(12)]
        for token in issued:
            assert service.verify(token).username == u"alice", "a valid token was refused"
            size = service._signing.verified.size()
            assert 0 < size <= 5, "cache holds %d tokens (cap 5)" % size
        assert service.verify(issued[0]).username == u"alice", "refused after the cache cleared"
    finally:
        tokens.VERIFIED_CACHE_SIZE = saved


def test_a_chain_of_renewals_ends_at_the_maximum_age():
    clock = Clock()
    service = TokenService(KEY, u"example.test", 600, clock, max_age_seconds=1000)
    token, first = service.issue(u"alice", ACCOUNT)
    signed_in = clock() // 1000
    claims = service.verify(token)
    for _ in range(3):                # 3 x 300 s: renewed before each expiry
        clock.advance(300)
        token, claims = service.renew(service.verify(token))
        assert claims.auth_time == signed_in, "renewal moved the sign-in time"
    assert claims.expires_at == signed_in + 1000, "the last renewal outlives the maximum age: " \
        "%d > %d" % (claims.expires_at, signed_in + 1000)
    clock.advance(100)
    assert refusal(service, token) is None, "refused within the maximum age"
    error = None
    try:
        service.renew(service.verify(token))
    except Unauthorized as refused:
        error = refused
    assert error is not None, "renewed past the maximum age"


def test_a_token_is_never_longer_than_the_maximum_age():
    clock = Clock()
    service = TokenService(KEY, u"example.test", 3600, clock, max_age_seconds=120)
    _, claims = service.issue(u"alice", ACCOUNT)
    assert claims.expires_at == clock() // 1000 + 120, "expiry %d" % claims.expires_at


def test_renewal_goes_through_the_authenticator_with_the_setting():
    clock = Clock()
    app = services(clock=clock)
    app.settings.set(config.TOKEN_MAX_AGE, 3600)
    token, _ = app.authenticator.login(u"alice", u"alice-pw")
    clock.advance(1800)
    renewed, claims = app.authenticator.renew(app.authenticator.authenticate(token))
    assert claims.expires_at == (clock() - 1800 * 1000) // 1000 + 3600, "expiry %d" % \
        claims.expires_at
    clock.advance(1800)
    error = None
    try:
        app.authenticator.renew(app.authenticator.authenticate(renewed))
    except Unauthorized as refused:
        error = refused
    assert error is not None, "renewed at the maximum age"


def test_a_rotation_on_another_node_signs_everyone_out_there():
    """What the housekeeping task does every few seconds: tokens of the old key are refused
    and event streams opened with them are closed."""
    openfire = openfire_with_users()   # one set of system properties, as a cluster shares them
    here, there = services(openfire), services(openfire)
    token, _ = there.authenticator.login(u"alice", u"alice-pw")
    stream = _Stream()
    there.streams.add(stream)
    there.follow_key_rotation()
    assert not stream.closed and there.authenticator.authenticate(token), "closed without rotation"
    here.rotate_signing_key()
    there.follow_key_rotation()
    assert stream.closed, "a stream of the old key stayed open on the other node"
    assert unauthorized_token(there, token), "the other node still accepts the old key"
    fresh, _ = here.authenticator.login(u"alice", u"alice-pw")
    assert there.authenticator.authenticate(fresh).username == u"alice", "new key refused there"


class _Stream(object):
    closed = False

    def close(self):
        self.closed = True


def unauthorized_token(app, token):
    try:
        app.authenticator.authenticate(token)
    except Unauthorized:
        return True
    return False
