"""The elliptic-curve pieces Web Push needs, on BouncyCastle as webpush-java expects it.

BouncyCastle is Openfire's own (lib/bcprov-jdk18on); SparkWeb does not ship it. webpush-java
asks the JCA for provider "BC" by name, so it is registered if nobody did yet. The provider
class then comes from Openfire's class loader (or the dev host's), never from the plugin's, so
leaving it registered after the plugin unloads holds nothing of the plugin.
"""
from __future__ import absolute_import

from java.lang import String, Throwable
from java.security import KeyPairGenerator, Security
from java.util import Base64
from nl.martijndwars.webpush import Utils
from org.igniterealtime.openfire.plugin.sparkweb import PushRequests
from org.bouncycastle.jce import ECNamedCurveTable
from org.bouncycastle.jce.provider import BouncyCastleProvider

CURVE = "prime256v1"          # P-256, the only curve of RFC 8291 and RFC 8292
PUBLIC_KEY_BYTES = 65         # an uncompressed point: 0x04, x, y
AUTH_SECRET_BYTES = 16        # RFC 8291 section 3.2


def ensure_provider():
    """Makes "BC" BouncyCastle's own provider. On Openfire it always is (Openfire registers it
    at start). Outside Openfire (dev host, unit tests), Jython's ssl support may have taken the
    name for its shaded copy (org.python.bouncycastle), whose key factories do not know
    BouncyCastle's key specs; that one is replaced there."""
    present = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME)
    if isinstance(present, BouncyCastleProvider):
        return
    if present is not None:
        Security.removeProvider(BouncyCastleProvider.PROVIDER_NAME)
    Security.addProvider(BouncyCastleProvider())


def b64url(raw):
    """Unpadded base64url of a Java byte[], as browsers give and take keys."""
    return unicode(Base64.getUrlEncoder().withoutPadding().encodeToString(raw))


def b64url_decode(text):
    """The byte[] of unpadded (or padded) base64url text; ValueError for anything else."""
    if not isinstance(text, basestring):
        raise ValueError("not text")
    text = text.rstrip(u"=")
    if not text or any(c not in _B64URL for c in text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return Base64.getUrlDecoder().decode(text)


_B64URL = frozenset(u"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def generate_key_pair():
    """A fresh P-256 key pair: (public point bytes, private scalar bytes)."""
    ensure_provider()
    generator = KeyPairGenerator.getInstance("ECDH", BouncyCastleProvider.PROVIDER_NAME)
    generator.initialize(ECNamedCurveTable.getParameterSpec(CURVE))
    pair = generator.generateKeyPair()
    scalar = ("%064x" % pair.getPrivate().getD()).decode("hex")   # Jython gives D as a long
    return pair.getPublic().getQ().getEncoded(False), String(scalar, "ISO-8859-1").getBytes(
        "ISO-8859-1")


def load_public_key(raw):
    """The BouncyCastle public key of an uncompressed P-256 point, on BouncyCastle's specialised
    P-256 arithmetic (webpush-java's Utils would load it on the generic, many times slower
    curve); ValueError when the bytes are no point on the curve (a browser's p256dh must be
    one)."""
    ensure_provider()
    if len(raw) != PUBLIC_KEY_BYTES or raw[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    try:
        return PushRequests.userKey(raw)
    except (Exception, Throwable):   # Java exceptions are not Exceptions
        raise ValueError("not a P-256 point")


def load_private_key(raw):
    ensure_provider()
    return Utils.loadPrivateKey(raw)
