"""Checking and storing a browser's PushSubscription for a user.

The body is what ``PushSubscription.toJSON()`` gives: ``{"endpoint", "keys": {"p256dh",
"auth"}, "expirationTime"}``. The endpoint must be an ``https`` URL (plain ``http`` only for
hosts in ``sparkweb.webpush.plainHttpHosts``) without credentials or fragment, read by the same
parser the sender's outbound client uses (so what is stored is what would be sent to), whose
host the outbound client's address policy lets SparkWeb reach (no loopback, private, link-local or
metadata addresses unless ``sparkweb.outbound.allow`` lists them; checked again on every send);
``p256dh`` must be a point on P-256 and ``auth`` 16 bytes, as browsers make them.

The body may also carry ``applicationServerKey``: the VAPID public key the page subscribed with
(what ``GET /webpush/vapidkey`` gave it). A key that is not the current one is answered 409
``stale_key``: the administrator rotated the key between the page reading it and subscribing,
and such a subscription could never receive anything (push services refuse requests signed
with another key) while rotation deleted only the rows that existed then (S5-13-5). The page
then makes a new browser subscription with the current key.
"""
from __future__ import absolute_import

import unicodedata

from sparkweb import config
from sparkweb.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.outbound import urls
from sparkweb.outbound.errors import Failed, Refused
from sparkweb.push import crypto

MAX_ENDPOINT_CHARS = 1000      # the column's size
MAX_DEVICE_CHARS = 100
MAX_EXPIRATION_MILLIS = 253402300799999   # year 9999: beyond is no time a browser gives


def device_name(text):
    """The ``{resource}`` of the path, in the one form every store compares alike: NFC, without
    surrounding spaces, lower-case; 1-100 characters, no control characters. MySQL's and SQL
    Server's usual collations ignore case and trailing spaces, PostgreSQL's and the in-memory
    facade's do not: "Laptop", "laptop" and "laptop " are one device everywhere only when they
    arrive as one string (findings-13 13-13)."""
    if isinstance(text, basestring):
        text = _normalised(text)
    # The limit is in UTF-8 bytes as well: Oracle's VARCHAR2(100) and DB2's VARCHAR(100) count
    # bytes, so 100 non-ASCII characters were a database error there (503), not a 400.
    if not text or len(text) > MAX_DEVICE_CHARS or \
            len(text.encode("utf-8")) > MAX_DEVICE_CHARS or \
            any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise BadRequest("The device name must be 1-%d characters (at most %d bytes in UTF-8) "
                         "without control characters." % (MAX_DEVICE_CHARS, MAX_DEVICE_CHARS))
    return text


def _normalised(text):
    return unicodedata.normalize("NFC", unicode(text)).strip(u" ").lower()


def _older_spellings(openfire, username, device):
    """The user's entries stored, before names were normalised, under another spelling of
    ``device`` ("Laptop" for "laptop"): the same device (S5-13-5)."""
    return [row.device for row in openfire.push_subscriptions(username)
            if row.device != device and _normalised(row.device) == device]


def _endpoint(value, plain_http_hosts, policy):
    """The endpoint as given, once the outbound client's own URL reader (the one the sender
    uses) accepts it: a URL it reads differently, or not at all, is never stored."""
    if not isinstance(value, basestring) or not value or \
            len(value.encode("utf-8")) > MAX_ENDPOINT_CHARS:   # bytes: see device_name
        raise BadRequest("'endpoint' must be a URL of at most %d characters."
                         % MAX_ENDPOINT_CHARS)
    if u"#" in value:
        raise BadRequest("'endpoint' must be an https URL without a fragment.")
    try:
        target = urls.parse(value)
    except Refused as refused:
        raise BadRequest("'endpoint' is not a usable URL: %s" % refused.message)
    if target.scheme != u"https" and not (target.scheme == u"http" and
                                         target.host.strip(u"[]") in plain_http_hosts):
        raise BadRequest("'endpoint' must be an https URL.")
    if policy is not None:
        try:
            policy.address_for(target.host)
        except Refused as refused:
            raise BadRequest("'endpoint' cannot be reached: %s" % refused.message)
        except Failed as failed:   # the DNS server did not answer in time: not the page's fault
            raise ServiceUnavailable("The endpoint's host cannot be checked now (%s); try again "
                                     "later." % failed.message, {"Retry-After": "30"})
    return value


def _key(keys, name, check):
    value = keys.get(name)
    try:
        raw = crypto.b64url_decode(value)
        check(raw)
    except ValueError:
        raise BadRequest("'keys.%s' is not a key a browser makes." % name)
    return value.rstrip(u"=")


def _check_auth(raw):
    if len(raw) != crypto.AUTH_SECRET_BYTES:
        raise ValueError("auth must be 16 bytes")


class StaleKey(Conflict):
    code = "stale_key"


def check_server_key(body, current):
    """409 stale_key when the body names an application-server key other than ``current``
    (base64url text, as GET /webpush/vapidkey gives it); 400 when it is no such text."""
    given = body.get("applicationServerKey")
    if given is None:
        return
    if not _is_public_key(given):
        raise BadRequest("'applicationServerKey' must be the base64url text of a P-256 public "
                         "key, as GET /webpush/vapidkey gives it.")
    if given.rstrip(u"=") != current.rstrip(u"="):
        raise StaleKey("The subscription was made with an application server key that is not "
                       "this server's current one (it was rotated): make a new subscription "
                       "with the key GET /webpush/vapidkey gives now.")


def _is_public_key(text):
    """Whether ``text`` is base64url of an uncompressed P-256 point (65 bytes, 0x04 first)."""
    if not isinstance(text, basestring) or len(text) > 100:
        return False
    try:
        raw = crypto.b64url_decode(text)
    except ValueError:
        return False
    return len(raw) == 65 and raw[0] == 4


def _expiration(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, long, float)) or \
            not 0 <= value <= MAX_EXPIRATION_MILLIS:
        raise BadRequest("'expirationTime' must be null or epoch milliseconds.")
    return long(value)


def parse(body, username, device, settings, now, policy=None):
    """The PushSubscriptionRecord of a parsed JSON body; 400 naming what is wrong. ``policy``:
    the outbound client's AddressPolicy (None skips the address check: unit tests)."""
    keys = body.get("keys")
    if not isinstance(keys, dict):
        raise BadRequest("A subscription needs 'keys' with 'p256dh' and 'auth'.")
    return PushSubscriptionRecord(
        username, device, _endpoint(body.get("endpoint"), settings.get(config.WEBPUSH_HTTP_HOSTS),
                                    policy),
        _key(keys, "p256dh", crypto.load_public_key), _key(keys, "auth", _check_auth),
        _expiration(body.get("expirationTime")), now)


def store(openfire, settings, record):
    limit = settings.get(config.WEBPUSH_MAX_SUBSCRIPTIONS)
    for older in _older_spellings(openfire, record.username, record.device):
        openfire.delete_push_subscription(record.username, device=older)
    saved = openfire.save_push_subscription(record, limit)
    if saved is None:
        raise Conflict("This push endpoint belongs to another account's subscription with "
                       "other keys.")
    if not saved:
        raise Conflict("You have %d push subscriptions, the most allowed; unsubscribe one "
                       "first." % limit)


def delete(openfire, username, device):
    deleted = openfire.delete_push_subscription(username, device=device)
    for older in _older_spellings(openfire, username, device):
        deleted = openfire.delete_push_subscription(username, device=older) or deleted
    if not deleted:
        raise NotFound("You have no push subscription named '%s'." % device[:40])


def describe(record):
    """What the owner sees of a subscription (never the keys)."""
    return {"resource": record.device, "endpoint": record.endpoint,
            "expirationTime": record.expiration_time, "createdAt": record.created_at}
