"""The encryption's elliptic-curve work runs on BouncyCastle's specialised P-256, and each message
still gets a key pair of its own (RFC 8291). The protocol itself (a push service decrypting what
was sent) is checked end to end in tests/http/test_webpush.py."""
from __future__ import absolute_import

from java.lang import String

from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.push import crypto
from sparkweb.push.encryption import RequestBuilder
from org.igniterealtime.openfire.plugin.sparkweb import PushRequests

from support import Clock, openfire_with_users
from sparkweb.push.vapid import VapidKeys

SPECIALISED_CURVE = "org.bouncycastle.math.ec.custom.sec.SecP256R1Curve"


def _subscription():
    public, _ = crypto.generate_key_pair()
    return PushSubscriptionRecord(u"alice", u"phone", u"https://push.example/1",
                                  crypto.b64url(public),
                                  crypto.b64url(String("0123456789abcdef").getBytes()), None, 1)


def test_message_keys_and_browsers_keys_are_on_the_specialised_curve():
    """The bench profile: webpush-java's "prime256v1" is BouncyCastle's generic curve (BigInteger
    division per reduction), most of the sending threads' time in key generation and ECDH;
    "secp256r1" is the same curve with specialised arithmetic."""
    curve = PushRequests.messageKeys().getPublic().getParameters().getCurve()
    assert curve.getClass().getName() == SPECIALISED_CURVE, \
        "a message key is on %s" % curve.getClass().getName()
    public, _ = crypto.generate_key_pair()
    curve = crypto.load_public_key(public).getParameters().getCurve()
    assert curve.getClass().getName() == SPECIALISED_CURVE, \
        "a browser's key is on %s" % curve.getClass().getName()


def test_every_request_has_a_message_key_of_its_own():
    """RFC 8291 section 3.1: a new ECDH key per message; the aes128gcm header carries it
    (salt 16, record size 4, key length 1, then the 65-byte point)."""
    builder = RequestBuilder(VapidKeys(openfire_with_users()), lambda: u"mailto:a@example.test",
                             Clock())
    subscription = _subscription()
    bodies = [builder.build(subscription, String("hello").getBytes("UTF-8"), 60).body
              for _ in range(3)]
    keys = set(String(body[21:86], "ISO-8859-1") for body in bodies)
    assert all(body[20] == 65 for body in bodies), "the header does not carry a 65-byte key"
    assert len(keys) == 3, "message keys were reused: %d distinct of 3" % len(keys)
    salts = set(String(body[:16], "ISO-8859-1") for body in bodies)
    assert len(salts) == 3, "salts were reused"
