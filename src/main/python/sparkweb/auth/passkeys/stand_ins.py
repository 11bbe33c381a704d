"""Stand-in credentials for sign-in options of users without passkeys.

The options of ``authenticate/start`` list the user's passkeys. A user without any (because
there is no such user, or because they never added one) gets stand-ins instead, so the answer
never tells who exists or who has passkeys: one or two ids of the lengths real authenticators
use, with plausible transports, derived from the installation's secret and the name, so they
stay the same from one start to the next (and across restarts and cluster nodes) like real ones
do. No stand-in matches a stored passkey, so signing in with one fails like any wrong passkey.

Known leak, documented in docs/passkeys.md: real lists may be longer than two (up to the
passkey maximum) and change when the user adds or deletes a passkey. Real lists cannot be capped
(a non-discoverable security key works only when its id is listed), and no stand-in count could
follow the real distribution, which is not known; so a longer or changing list tells.
"""
from __future__ import absolute_import

from java.nio import ByteBuffer
from java.util import Arrays

from sparkweb.secure_random import base64url as encode

# The most stand-ins one name gets; docs/passkeys.md says lists longer than this are real.
MAX_STAND_INS = 2
# Credential id lengths of common authenticators (platform passkeys, security keys).
ID_LENGTHS = (16, 20, 32, 64)
TRANSPORTS = ((u"internal",), (u"hybrid", u"internal"), (u"internal",), (u"usb",),
              (u"nfc", u"usb"), ())


def stand_in_credentials(secret, username):
    """``allowCredentials`` entries for ``username``, shaped like real descriptors."""
    choice = secret.mac(u"webauthn stand-in", username)
    count = MAX_STAND_INS if (choice[0] & 0xff) % 3 == 0 else 1
    entries = []
    for index in range(count):
        id_bytes = _id_bytes(secret, username, index, ID_LENGTHS[(choice[1 + index] & 0xff) % 4])
        entry = {"type": "public-key", "id": encode(id_bytes)}
        transports = TRANSPORTS[(choice[3 + index] & 0xff) % len(TRANSPORTS)]
        if transports:
            entry["transports"] = list(transports)
        entries.append(entry)
    return entries


def _id_bytes(secret, username, index, length):
    """``length`` bytes (up to 64) of two MACs, so longer ids are as random as short ones."""
    both = ByteBuffer.allocate(64)
    for half in (u"1", u"2"):
        both.put(secret.mac(u"webauthn stand-in id", username, unicode(index), half))
    return Arrays.copyOf(both.array(), length)
