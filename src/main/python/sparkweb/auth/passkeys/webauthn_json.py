"""WebAuthn's JSON form of options and credentials (binary values as base64url), read
defensively: whatever a page sends is checked here before webauthn4j sees it."""
from __future__ import absolute_import

from java.lang import IllegalArgumentException, String
from java.nio.charset import StandardCharsets
from java.util import Base64, HashSet

from sparkweb.errors import BadRequest
from sparkweb.json_input import JsonInputError, parse
from sparkweb.jsontext import to_json

MAX_NAME_LENGTH = 64


def decode(text, what):
    """A Java byte[] from base64url (padded or not); 400 naming ``what`` when malformed."""
    if not isinstance(text, basestring) or not text:
        raise BadRequest("%s is missing." % what)
    try:
        return Base64.getUrlDecoder().decode(text.rstrip(u"="))
    except IllegalArgumentException:
        raise BadRequest("%s is not base64url." % what)


def member(body, name, kind):
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, kind):
        raise BadRequest("'%s' is missing or malformed." % name)
    return value


def client_challenge(client_data):
    """The challenge the browser signed, read from clientDataJSON (webauthn4j checks it again
    against the one we issued). Anyone can send it, before signing in: it goes through the
    input parser's limits (50,000 '[' were a StackOverflowError, and a 500)."""
    try:
        parsed = parse(unicode(String(client_data, StandardCharsets.UTF_8)))
    except JsonInputError as error:
        raise BadRequest("response.clientDataJSON is not accepted as JSON: %s" % error.args[0])
    challenge = parsed.get("challenge") if isinstance(parsed, dict) else None
    if not isinstance(challenge, basestring) or not challenge:
        raise BadRequest("response.clientDataJSON has no challenge.")
    return challenge.rstrip(u"=")


def extensions(credential):
    results = credential.get("clientExtensionResults")
    return to_json(results) if isinstance(results, dict) else None


def transport_names(transports):
    """The transports a browser reported ("usb", "internal", "hybrid", ...), sanitised: they
    are only hints handed back to browsers."""
    if not isinstance(transports, list):
        return ()
    return tuple(name for name in transports
                 if isinstance(name, basestring) and 0 < len(name) <= 32
                 and name.replace(u"-", u"").isalnum())[:8]


def transport_set(reported):
    """The sanitised transports as the Java set webauthn4j takes."""
    found = HashSet()
    for name in transport_names(reported):
        found.add(name)
    return found


def descriptor(record):
    """A passkey as ``allowCredentials``/``excludeCredentials`` list it."""
    entry = {"type": "public-key", "id": record.credential_id}
    if record.transports:
        entry["transports"] = list(record.transports)
    return entry


def clean_name(name):
    """A passkey's name as a user gave it, without control characters; None when empty."""
    if not isinstance(name, basestring):
        return None
    name = u"".join(ch for ch in name.strip() if ch >= u" ")
    return name[:MAX_NAME_LENGTH] or None
