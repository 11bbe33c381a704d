"""A software passkey (soft-webauthn's authenticator) driven through SparkWeb's WebAuthn API,
translating between WebAuthn's JSON form (base64url) and the bytes soft-webauthn works with."""
import base64
import urllib.parse

from soft_webauthn import SoftWebauthnDevice


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
    """One authenticator holding one credential, as a browser would present it."""

    def __init__(self, origin):
        self.origin = origin
        self.device = SoftWebauthnDevice()

    @property
    def credential_id(self):
        return b64url(self.device.credential_id)

    def create(self, options):
        """The registration response (``credential.toJSON()``) for creation options."""
        public_key = dict(options)
        public_key["challenge"] = unb64url(options["challenge"])
        public_key["user"] = dict(options["user"], id=unb64url(options["user"]["id"]))
        credential = self.device.create({"publicKey": public_key}, self.origin)
        return _json_ready(dict(credential, id=b64url(credential["rawId"])))

    def get(self, options):
        """The assertion (``credential.toJSON()``) for request options."""
        public_key = dict(options, challenge=unb64url(options["challenge"]))
        assertion = self.device.get({"publicKey": public_key}, self.origin)
        return _json_ready(dict(assertion, id=b64url(assertion["rawId"])))


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
