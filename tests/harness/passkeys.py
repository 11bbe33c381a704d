"""A software passkey (soft-webauthn's authenticator) driven through SparkWeb's WebAuthn API,
translating between WebAuthn's JSON form (base64url) and the bytes soft-webauthn works with."""
import base64
import urllib.parse

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.utils import sha256
from soft_webauthn import SoftWebauthnDevice

# Authenticator data flags (WebAuthn 6.1): user present, backup eligible, backed up.
UP, BE, BS = 0x01, 0x08, 0x10


def b64url(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def page_origin(target):
    """The origin a browser page on the target would have: browsers use passkeys on
    ``localhost``, never on a bare loopback IP."""
    parts = urllib.parse.urlsplit(target.base_url)
    return "%s://localhost:%d" % (parts.scheme, parts.port)


def _json_ready(value):
    if isinstance(value, bytes):
        return b64url(value)
    if isinstance(value, dict):
        return dict((key, _json_ready(item)) for key, item in value.items())
    return value


class Passkey(object):
    """One authenticator holding one credential, as a browser would present it.

    ``backup_eligible``/``backed_up`` set the BE/BS flags (a synced passkey has both; soft-webauthn
    itself sets neither); ``backed_up`` may change between sign-ins, as it does when a passkey
    provider starts syncing. Without ``counts``, the signature counter stays 0, as synced
    passkeys report it: then only the single-use challenge stops a replay."""

    def __init__(self, origin, backup_eligible=False, backed_up=False, counts=True):
        self.origin = origin
        self.device = SoftWebauthnDevice()
        self.backup_eligible = backup_eligible
        self.backed_up = backed_up
        self.counts = counts

    def _backup_flags(self):
        return (BE if self.backup_eligible else 0) | (BS if self.backed_up else 0)

    @property
    def credential_id(self):
        return b64url(self.device.credential_id)

    def create(self, options):
        """The registration response (``credential.toJSON()``) for creation options."""
        public_key = dict(options)
        public_key["challenge"] = unb64url(options["challenge"])
        public_key["user"] = dict(options["user"], id=unb64url(options["user"]["id"]))
        credential = self.device.create({"publicKey": public_key}, self.origin)
        if self._backup_flags():    # "none" attestation signs nothing: set the flags afterwards
            attestation = cbor.decode(credential["response"]["attestationObject"])
            data = bytearray(attestation["authData"])
            data[32] |= self._backup_flags()
            attestation["authData"] = bytes(data)
            credential["response"]["attestationObject"] = cbor.encode(attestation)
        return _json_ready(dict(credential, id=b64url(credential["rawId"])))

    def get(self, options):
        """The assertion (``credential.toJSON()``) for request options."""
        public_key = dict(options, challenge=unb64url(options["challenge"]))
        if not self.counts:
            self.device.sign_count = -1     # soft-webauthn adds one before signing
        assertion = self.device.get({"publicKey": public_key}, self.origin)
        if self._backup_flags():
            self._resign(assertion)
        return _json_ready(dict(assertion, id=b64url(assertion["rawId"])))

    def _resign(self, assertion):
        """soft-webauthn signs fixed flags; sign the same assertion with the backup flags."""
        response = assertion["response"]
        data = bytearray(response["authenticatorData"])
        data[32] = UP | self._backup_flags()
        response["authenticatorData"] = bytes(data)
        response["signature"] = self.device.private_key.sign(
            bytes(data) + sha256(response["clientDataJSON"]), ec.ECDSA(hashes.SHA256()))


def register(client, username, passkey, name=None, **start):
    """Runs a whole registration; ``start`` are httpx arguments of the start call (a password
    body, say). Returns the finish response."""
    options = client.post("/webauthn/register/start/" + username, **start)
    assert options.status_code == 200, options.text
    body = {"credential": passkey.create(options.json())}
    if name:
        body["name"] = name
    return client.post("/webauthn/register/finish/" + username, json=body)


def sign_in(client, username, passkey):
    """Runs a whole sign-in; returns (finish response, the assertion sent)."""
    options = client.post("/webauthn/authenticate/start/" + username)
    assert options.status_code == 200, options.text
    assertion = passkey.get(options.json())
    return client.post("/webauthn/authenticate/finish/" + username, json=assertion), assertion
