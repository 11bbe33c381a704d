"""The encryption's elliptic-curve work runs on BouncyCastle's specialised P-256, and each message
still gets a key pair of its own (RFC 8291). The protocol itself (a push service decrypting what
was sent) is checked end to end in tests/http/test_webpush.py."""
from __future__ import absolute_import

import jarray
from java.lang import String

from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.push import crypto
from sparkweb.push.encryption import RequestBuilder
from org.igniterealtime.openfire.plugin.sparkweb import PushRequests

from support import Clock, openfire_with_users, raised
from sparkweb.push.vapid import VapidKeys

SPECIALISED_CURVE = "org.bouncycastle.math.ec.custom.sec.SecP256R1Curve"


def _subscription():
    public, _ = crypto.generate_key_pair()
    return PushSubscriptionRecord(u"alice", u"phone", u"https://push.example/1",
                                  crypto.b64url(public),
                                  crypto.b64url(String("0123456789abcdef").getBytes()), None, 1)


# RFC 8291 section 5 and appendix A: the example message, its keys, salt and encrypted body.
RFC_PLAINTEXT = "When I grow up, I want to be a watermelon"
RFC_UA_PUBLIC = ("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNt"
                 "oIAiw4")
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_BODY = ("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocIn"
            "mYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGN"
            "WQexSgSxsj_Qulcy4a-fN")


def test_the_encryption_gives_rfc_8291s_example_body():
    """PushRequests does RFC 8291's key derivation and aes128gcm itself (one call per push);
    with the example's message key and salt it must give the example's body byte for byte."""
    body = PushRequests.encryptWith(
        crypto.load_public_key(crypto.b64url_decode(RFC_UA_PUBLIC)),
        crypto.b64url_decode(RFC_AUTH), String(RFC_PLAINTEXT).getBytes("UTF-8"),
        crypto.b64url_decode(RFC_AS_PRIVATE), crypto.b64url_decode(RFC_SALT))
    assert crypto.b64url(body) == RFC_BODY, "got %s" % crypto.b64url(body)


def test_a_payload_beyond_one_record_is_refused():
    key = crypto.load_public_key(crypto.b64url_decode(RFC_UA_PUBLIC))
    auth = crypto.b64url_decode(RFC_AUTH)
    most = PushRequests.MAX_PAYLOAD_BYTES
    assert len(PushRequests.encrypt(key, auth, jarray.zeros(most, "b"))) == 4096
    error = raised(lambda: PushRequests.encrypt(key, auth, jarray.zeros(most + 1, "b")))
    assert error is not None and "too large" in str(error), "got %r" % error


def test_browsers_keys_are_on_the_specialised_curve():
    """The bench profile: webpush-java's "prime256v1" is BouncyCastle's generic curve (BigInteger
    division per reduction), most of the sending threads' time in key generation and ECDH;
    "secp256r1" is the same curve with specialised arithmetic. The message keys are made on the
    browser's key's curve."""
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
