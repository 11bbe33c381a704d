"""Builds the encrypted, signed request for one notification: the payload encrypted with
aes128gcm (RFC 8291, the subscription's p256dh and auth) in one call to the PushRequests
adapter, the TTL, Urgency and Topic headers (RFC 8030) and the VAPID header (RFC 8292).

Only the request is built here; sending goes through the guarded outbound client (sender).
"""
from __future__ import absolute_import

from java.lang import String
from java.security import MessageDigest
from java.net import URI
from java.util.concurrent import ConcurrentHashMap
from org.jose4j.jws import AlgorithmIdentifiers, JsonWebSignature
from org.jose4j.jwt import JwtClaims, NumericDate
from org.igniterealtime.openfire.plugin.sparkweb import PushRequests

from sparkweb.push import crypto

# Push services take at most 4096 bytes of body (RFC 8030 section 7.2); aes128gcm adds 86
# bytes of header (salt, record size, key id), one padding delimiter and a 16-byte tag.
MAX_BODY_BYTES = 4096
MAX_PAYLOAD_BYTES = MAX_BODY_BYTES - 86 - 1 - 16

TOKEN_LIFETIME_MILLIS = 12 * 3600 * 1000
TOKEN_REUSE_MILLIS = 3600 * 1000
MAX_CACHED_TOKENS = 10000
MAX_CACHED_USER_KEYS = 10000

URGENCIES = frozenset(("very-low", "low", "normal", "high"))   # RFC 8030 section 5.3


def topic_for(tag):
    """An RFC 8030 Topic (at most 32 characters of the base64url alphabet) for a tag, so
    that a newer notification of one conversation replaces an undelivered older one."""
    if not tag:
        return None
    digest = MessageDigest.getInstance("SHA-256").digest(String(tag).getBytes("UTF-8"))
    return crypto.b64url(digest)[:32]


class PreparedRequest(object):
    def __init__(self, url, headers, body):
        self.url = url
        self.headers = headers
        self.body = body


class VapidTokens(object):
    """The VAPID JWT (ES256, jose4j) for a push service's origin, remembered for an hour: a
    signature per request would cost as much as the encryption. ``aud`` is the origin with its
    port (RFC 8292 section 2), ``exp`` 12 hours ahead (at most 24 are allowed)."""

    def __init__(self, vapid_keys, subject, clock):
        self._vapid_keys = vapid_keys
        self._subject = subject        # functions: the key and the setting may change
        self._clock = clock
        self._tokens = ConcurrentHashMap()   # (key, subject, audience) -> (header, made at)

    def header(self, endpoint):
        key, subject, audience = self._vapid_keys.current, self._subject(), origin(endpoint)
        now = self._clock()
        cached = self._tokens.get((key.public_key, subject, audience))
        if cached is not None and now - cached[1] < TOKEN_REUSE_MILLIS:
            return cached[0]
        if self._tokens.size() >= MAX_CACHED_TOKENS:
            self._tokens.clear()
        header = u"vapid t=%s, k=%s" % (_sign(key, subject, audience, now), key.public_key)
        self._tokens.put((key.public_key, subject, audience), (header, now))
        return header


_ORIGINS = ConcurrentHashMap()   # endpoint -> its origin: asked for twice per push


def origin(endpoint):
    """scheme://host[:port] of an endpoint, the port only when not the default."""
    if not isinstance(endpoint, basestring):
        return _origin_of(endpoint)
    known = _ORIGINS.get(endpoint)
    if known is None:
        known = _origin_of(endpoint)
        if _ORIGINS.size() >= MAX_CACHED_TOKENS:
            _ORIGINS.clear()
        _ORIGINS.put(endpoint, known)
    return known


def _origin_of(endpoint):
    uri = URI(endpoint)
    port = uri.getPort()
    default = {"https": 443, "http": 80}.get(uri.getScheme().lower())
    return u"%s://%s%s" % (uri.getScheme().lower(), uri.getHost().lower(),
                           u"" if port in (-1, default) else u":%d" % port)


def _sign(key, subject, audience, now):
    claims = JwtClaims()
    claims.setAudience(audience)
    claims.setExpirationTime(NumericDate.fromMilliseconds(now + TOKEN_LIFETIME_MILLIS))
    claims.setSubject(subject)
    signature = JsonWebSignature()
    signature.setHeader("typ", "JWT")
    signature.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256)
    signature.setPayload(claims.toJson())
    signature.setKey(key.private)
    return signature.getCompactSerialization()


class RequestBuilder(object):
    """Thread-safe: PushRequests keeps no per-request state. Each request is encrypted with a
    new key pair of its own (RFC 8291), in one call to PushRequests.encrypt (see there why not
    through webpush-java's Notification and HttpEce: this is the sender's hot loop)."""

    def __init__(self, vapid_keys, subject, clock):
        self._tokens = VapidTokens(vapid_keys, subject, clock)
        self._user_keys = ConcurrentHashMap()   # (p256dh, auth) text -> (public key, auth bytes)

    def _user_keys_of(self, subscription):
        """The subscription's public key and auth secret, decoded once: the point is checked on
        the curve when decoded, and BouncyCastle keeps its multiplication table on the point
        object, so the ECDH of later pushes to that browser starts from it. (Neither is
        changed by the encryption; byte[]s are shared read-only.)"""
        texts = (subscription.p256dh, subscription.auth)
        keys = self._user_keys.get(texts)
        if keys is None:
            keys = (crypto.load_public_key(crypto.b64url_decode(subscription.p256dh)),
                    crypto.b64url_decode(subscription.auth))
            if self._user_keys.size() >= MAX_CACHED_USER_KEYS:
                self._user_keys.clear()
            self._user_keys.put(texts, keys)
        return keys

    def build(self, subscription, payload, ttl, urgency="normal", topic=None):
        """The request for ``payload`` (a byte[] of UTF-8, at most MAX_PAYLOAD_BYTES) to one
        subscription (a PushSubscriptionRecord): the RFC 8030 headers, the VAPID header and
        the aes128gcm body."""
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise ValueError("payload too large")
        if urgency not in URGENCIES:
            raise ValueError("unknown urgency")
        user_key, auth = self._user_keys_of(subscription)
        body = PushRequests.encrypt(user_key, auth, payload)
        headers = {"TTL": str(int(ttl)), "Urgency": urgency,
                   "Content-Type": "application/octet-stream", "Content-Encoding": "aes128gcm",
                   "Authorization": self._tokens.header(subscription.endpoint)}
        if topic:
            headers["Topic"] = topic
        return PreparedRequest(subscription.endpoint, headers, body)
