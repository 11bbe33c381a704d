"""The installation's passkey secret: it signs the challenges (so that none needs to be kept
while a ceremony is pending) and derives the stand-in credentials of users without passkeys.

256 random bits, created on first start and stored encrypted in Openfire's properties, so that
they survive restarts and every node of a cluster uses the same (a ceremony may start on one
node and finish on another).
"""
from __future__ import absolute_import

from java.lang import String
from java.nio import ByteBuffer
from java.nio.charset import StandardCharsets
from java.util import Base64
from java.util.concurrent import ConcurrentLinkedQueue
from javax.crypto import Mac
from javax.crypto.spec import SecretKeySpec

from sparkweb import config
from sparkweb.secure_random import random_bytes

KEY_BYTES = 32


def load_or_create_secret(openfire):
    encoded = openfire.get_property(config.WEBAUTHN_KEY_PROPERTY)
    if not encoded:
        openfire.set_property(config.WEBAUTHN_KEY_PROPERTY,
                              Base64.getEncoder().encodeToString(random_bytes(KEY_BYTES)), True)
        encoded = openfire.get_property(config.WEBAUTHN_KEY_PROPERTY)   # whichever node won
    return Secret(Base64.getDecoder().decode(encoded))


class Secret(object):
    def __init__(self, raw):
        self._key = SecretKeySpec(raw, "HmacSHA256")
        self._idle = ConcurrentLinkedQueue()   # Mac instances (not thread-safe) not in use

    def mac(self, purpose, *parts):
        """HMAC-SHA256 (32 bytes) over ``purpose`` and ``parts`` (text or byte[]), each
        length-prefixed so that no two different lists of parts give the same input."""
        mac = self._idle.poll()
        if mac is None:
            mac = Mac.getInstance("HmacSHA256")
            mac.init(self._key)
        try:
            for part in (purpose,) + parts:
                if isinstance(part, basestring):
                    part = String(part).getBytes(StandardCharsets.UTF_8)
                mac.update(ByteBuffer.allocate(4).putInt(len(part)).array())
                mac.update(part)
            return mac.doFinal()
        finally:
            mac.reset()   # already so after doFinal; not after a failed update
            self._idle.offer(mac)
