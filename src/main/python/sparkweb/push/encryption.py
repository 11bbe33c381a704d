"""Builds the encrypted, signed request for one notification with webpush-java: the payload
encrypted with aes128gcm (RFC 8291, the subscription's p256dh and auth), the VAPID JWT for the
push service's origin (RFC 8292), and the TTL, Urgency and Topic headers (RFC 8030).

Only the request is built here; sending goes through the guarded outbound client (sender).
"""
from __future__ import absolute_import

from java.lang import String
from java.security import MessageDigest
from java.security import KeyPair
from nl.martijndwars.webpush import Notification, Urgency
from org.igniterealtime.openfire.plugin.sparkweb import PushRequests

from sparkweb.push import crypto

# Push services take at most 4096 bytes of body (RFC 8030 section 7.2); aes128gcm adds 86
# bytes of header (salt, record size, key id), one padding delimiter and a 16-byte tag.
MAX_BODY_BYTES = 4096
MAX_PAYLOAD_BYTES = MAX_BODY_BYTES - 86 - 1 - 16

URGENCIES = {"very-low": Urgency.VERY_LOW, "low": Urgency.LOW, "normal": Urgency.NORMAL,
             "high": Urgency.HIGH}


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


class RequestBuilder(object):
    """Thread-safe: webpush-java keeps no per-request state in the service object, and a new
    preparer is made when the key or subject changes."""

    def __init__(self, vapid_keys, subject):
        self._vapid_keys = vapid_keys
        self._subject = subject        # a function: the setting may change at any time
        self._preparer = None

    def _current(self):
        key, subject = self._vapid_keys.current, self._subject()
        preparer = self._preparer
        if preparer is None or preparer[0] is not key or preparer[1] != subject:
            preparer = (key, subject, PushRequests(KeyPair(key.public, key.private), subject))
            self._preparer = preparer
        return preparer[2]

    def build(self, subscription, payload, ttl, urgency="normal", topic=None):
        """The request for ``payload`` (a byte[] of UTF-8, at most MAX_PAYLOAD_BYTES) to one
        subscription (a PushSubscriptionRecord)."""
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise ValueError("payload too large")
        notification = (Notification.builder().endpoint(subscription.endpoint)
                        .userPublicKey(crypto.b64url_decode(subscription.p256dh))
                        .userAuth(crypto.b64url_decode(subscription.auth))
                        .payload(payload).ttl(ttl)
                        .urgency(URGENCIES[urgency]))
        if topic:
            notification = notification.topic(topic)
        request = self._current().prepare(notification.build())
        return PreparedRequest(request.getUrl(), dict(request.getHeaders()), request.getBody())
