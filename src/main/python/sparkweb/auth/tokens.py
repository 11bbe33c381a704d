"""JWT access tokens, signed and verified with jjwt (HMAC-SHA256, algorithm pinned).

The signing key is random per installation: generated on first start and kept, encrypted, in
Openfire's system properties. Nothing here logs a token or the key.

Besides the registered claims, a token carries ``account``, the id of the account it was issued
for (see auth.accounts: a re-created account or a changed password means a new id), and
``auth_time``, when the password or passkey sign-in that began its chain of renewals happened:
no token of that chain lives past ``auth_time`` plus the configured maximum age.
"""
from __future__ import absolute_import

from com.fasterxml.jackson.core import JsonFactory, JsonParser
from com.fasterxml.jackson.databind import DeserializationFeature, ObjectMapper
from io.jsonwebtoken import Jwts, JwtException
from io.jsonwebtoken.jackson.io import JacksonDeserializer, JacksonSerializer
from io.jsonwebtoken.security import Keys
from java.util import Base64, Date
from java.util.concurrent import ConcurrentHashMap
from java.lang import IllegalArgumentException, System

from sparkweb import config
from sparkweb.auth.usernames import is_normal
from sparkweb.jackson import pooled
from sparkweb.secure_random import random_bytes, random_id
from sparkweb.errors import Unauthorized

ALGORITHM = "HS256"
VERIFIED_CACHE_SIZE = 10000   # tokens whose signature was checked; cleared when full (read
                              # at run time, so that tests can lower it)
KEY_BYTES = 32          # 256 bits, the minimum for HS256
ISSUER = "sparkweb"
CLOCK_SKEW_SECONDS = 30


def load_or_create_key(openfire):
    """The installation's signing key, created (and stored encrypted) the first time."""
    encoded = openfire.get_property(config.TOKEN_KEY_PROPERTY)
    if not encoded:
        return create_key(openfire)
    return Base64.getDecoder().decode(encoded)


def create_key(openfire):
    """A new random signing key, stored encrypted in place of any previous one."""
    raw = random_bytes(KEY_BYTES)
    openfire.set_property(config.TOKEN_KEY_PROPERTY, Base64.getEncoder().encodeToString(raw), True)
    return raw


def millis_now():
    return System.currentTimeMillis()


def json_mapper():
    """jjwt's Jackson settings (buffers pooled by the mapper: see sparkweb.jackson)."""
    return (ObjectMapper(pooled(JsonFactory.builder()))
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, True)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, False))


class Claims(object):
    """What a verified token says: whose it is (the username and the account id), its id, when
    it ends and when its chain's sign-in happened (epoch seconds)."""

    def __init__(self, username, token_id, expires_at, account=None, auth_time=None):
        self.username = username
        self.token_id = token_id
        self.expires_at = expires_at
        self.account = account
        self.auth_time = auth_time


def _as_function(value):
    return value if callable(value) else (lambda: value)


class _Signing(object):
    """A key with its parser and the tokens verified with it. Replaced as a whole on rotation,
    so a verification racing a rotation can only fill the cache that is being thrown away."""

    def __init__(self, key, encoded, parser):
        self.key = key
        self.encoded = encoded   # as stored, to notice a rotation made by another node
        self.parser = parser
        self.verified = ConcurrentHashMap()


class TokenService(object):
    """Issues and verifies access tokens for one XMPP domain (the audience).

    ``lifetime_seconds`` and ``max_age_seconds`` (how long after its sign-in a chain of
    renewed tokens may last) are numbers or functions returning one, asked at every issue so
    that a changed setting applies to the next token.
    """

    def __init__(self, key_bytes, audience, lifetime_seconds, clock=millis_now,
                 max_age_seconds=config.TOKEN_MAX_AGE.default):
        self._audience = audience
        self._lifetime = _as_function(lifetime_seconds)
        self._max_age = _as_function(max_age_seconds)
        self._clock = clock
        mapper = json_mapper()
        self._serializer = JacksonSerializer(mapper)
        self._deserializer = JacksonDeserializer(mapper)
        self._signing = self._signing_with(key_bytes)

    def _signing_with(self, key_bytes):
        key = Keys.hmacShaKeyFor(key_bytes)
        builder = Jwts.parser().json(self._deserializer)
        builder = builder.verifyWith(key).requireIssuer(ISSUER)
        builder = builder.requireAudience(self._audience).clockSkewSeconds(CLOCK_SKEW_SECONDS)
        return _Signing(key, Base64.getEncoder().encodeToString(key_bytes),
                        builder.clock(lambda: Date(self._clock())).build())

    def rotate_key(self, openfire):
        """Signs with a new random key from now on (stored encrypted in ``openfire``'s
        properties); every token signed with the previous key is rejected at once."""
        self._signing = self._signing_with(create_key(openfire))

    def follow_stored_key(self, openfire):
        """Switches to the key stored in ``openfire``'s properties when it is not the one in
        use: another node of a cluster rotated it (system properties are cluster-wide).
        True when it switched."""
        encoded = openfire.get_property(config.TOKEN_KEY_PROPERTY)
        if not encoded or encoded == self._signing.encoded:
            return False
        self._signing = self._signing_with(Base64.getDecoder().decode(encoded))
        return True

    def issue(self, username, account, auth_time=None):
        """A new signed token for ``username`` of the account ``account``: ``(token,
        Claims)``. ``auth_time`` (epoch seconds) is that of the sign-in the token renews;
        None for a sign-in now."""
        now = self._clock()
        auth_time = now // 1000 if auth_time is None else auth_time
        expires = min(now + self._lifetime() * 1000, (auth_time + self._max_age()) * 1000)
        signing = self._signing
        token_id = random_id()   # the jti revocation names: unguessable
        audience = (Jwts.builder().json(self._serializer).id(token_id).subject(username)
                    .claim("account", account).claim("auth_time", auth_time)
                    .issuer(ISSUER).audience())
        builder = getattr(audience.add(self._audience), "and")()   # 'and' is a Python keyword
        token = (builder.issuedAt(Date(now)).notBefore(Date(now)).expiration(Date(expires))
                 .signWith(signing.key, Jwts.SIG.HS256).compact())
        return token, Claims(username, token_id, expires // 1000, account, auth_time)

    def renew(self, claims):
        """A fresh token of the same chain as verified ``claims``; Unauthorized once the chain
        has reached its maximum age (the user signs in again)."""
        if self._clock() >= (claims.auth_time + self._max_age()) * 1000:
            raise Unauthorized("This sign-in can no longer be renewed; sign in again.")
        return self.issue(claims.username, claims.account, claims.auth_time)

    def expired(self, claims):
        """True once verified ``claims`` have run out (as :meth:`verify` decides it)."""
        return (claims.expires_at + CLOCK_SKEW_SECONDS) * 1000 < self._clock()

    def verify(self, token):
        """The :class:`Claims` of a valid token; raises Unauthorized for anything else.

        A token's signature and claims never change, so a verified token is remembered and
        later only its expiry is checked again (parsing is a fifth of a REST call's cost)."""
        signing = self._signing
        claims = signing.verified.get(token) if token else None
        if claims is None:
            claims = self._parse(signing.parser, token)
            if signing.verified.size() >= VERIFIED_CACHE_SIZE:
                signing.verified.clear()
            signing.verified.put(token, claims)
        if self.expired(claims):
            signing.verified.remove(token)
            raise Unauthorized()
        return claims

    def _parse(self, parser, token):
        try:
            signed = parser.parseSignedClaims(token)
        except (JwtException, IllegalArgumentException):
            raise Unauthorized()
        if signed.getHeader().getAlgorithm() != ALGORITHM:
            raise Unauthorized()
        claims = signed.getPayload()
        account, auth_time = claims.get("account"), claims.get("auth_time")
        if not is_normal(claims.getSubject()) or not claims.getId() or \
                claims.getExpiration() is None or not isinstance(account, basestring) or \
                not account or not isinstance(auth_time, (int, long)):
            raise Unauthorized()
        return Claims(claims.getSubject(), claims.getId(), claims.getExpiration().getTime() // 1000,
                      account, auth_time)
