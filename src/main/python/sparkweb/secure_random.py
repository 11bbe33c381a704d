"""Random bytes for secrets (signing keys, passkey challenges, CSRF tokens), and random ids
(message, token, event-stream and request ids).

Ids are drawn on every REST send and every event stream, by all of Jetty's and Openfire's
threads at once, so each thread draws them from a generator of its own (issue 16) instead of
the one SecureRandom that UUID.randomUUID() shares across the JVM: a SHA1PRNG per thread,
seeded from the system's entropy like any SecureRandom, so ids stay unguessable (a token's
id is what revocation names). Secrets are rare and keep the system's default generator.

They come as a Java byte[] because SecureRandom fills its argument in place: a Python
bytearray handed to it is copied, so it stays all zeros (the first signing key was, until a
test caught it).
"""
from __future__ import absolute_import

import jarray

from java.lang import ThreadLocal
from java.security import SecureRandom
from java.util import Base64, UUID

_RANDOM = SecureRandom()   # thread-safe
_ID_RANDOM = ThreadLocal.withInitial(lambda: SecureRandom.getInstance("SHA1PRNG"))


def random_bytes(count):
    data = jarray.zeros(count, "b")
    _RANDOM.nextBytes(data)
    return data


def base64url(data):
    """base64url without padding (WebAuthn's and URLs' form of binary values)."""
    return Base64.getUrlEncoder().withoutPadding().encodeToString(data)


def random_token(count=32):
    """``count`` random bytes as base64url text."""
    return base64url(random_bytes(count))


def id_generator():
    """This thread's generator of ids (never shared with another thread)."""
    return _ID_RANDOM.get()


def random_id():
    """A random (version 4) UUID as text, as UUID.randomUUID() gives, from this thread's
    generator."""
    generator = id_generator()
    high = (generator.nextLong() & ~0xF000) | 0x4000                        # version 4
    low = (generator.nextLong() & 0x3FFFFFFFFFFFFFFF) | -0x8000000000000000  # IETF variant
    return UUID(high, low).toString()
