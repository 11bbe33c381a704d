"""Every SparkWeb setting, declared once: Openfire property key, type, default, bounds, doc.

Values live in Openfire's system properties (so they survive restarts and are shared by a
cluster) and are read through :class:`Settings`, which applies the declared type and bounds.
"""
from __future__ import absolute_import


class Setting(object):
    def __init__(self, key, kind, default, doc, minimum=None, maximum=None):
        self.key = key
        self.kind = kind
        self.default = default
        self.doc = doc
        self.minimum = minimum
        self.maximum = maximum
        self._last = (None, default)     # (text, its value): one tuple, replaced whole

    def parse(self, text):
        """The typed value of ``text``; the default when it is missing or malformed. Settings
        are read on every request and rarely change, so the last text's value is kept (parsing
        a list builds generators, which Jython makes finalizable: see http.body_reader)."""
        last_text, last_value = self._last
        if text == last_text:
            return last_value
        value = self._parse(text)
        self._last = (text, value)
        return value

    def _parse(self, text):
        if text is None or text.strip() == "":
            return self.default
        try:
            value = self.kind(text.strip())
        except ValueError:
            return self.default
        if self.minimum is not None and value < self.minimum:
            return self.minimum
        if self.maximum is not None and value > self.maximum:
            return self.maximum
        return value


def _names(text):
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _origins(text):
    """Web origins, ``scheme://host[:port]`` each; one malformed entry makes the whole value
    malformed, so a typo falls back to the safe default instead of half-applying."""
    origins = tuple(origin.rstrip(u"/") for origin in _names(text))
    for origin in origins:
        scheme, _, rest = origin.partition(u"://")
        if scheme.lower() not in (u"http", u"https") or not rest or u"/" in rest \
                or u"@" in rest or u" " in rest:
            raise ValueError(origin)
    return origins


def _flag(text):
    """``true`` or ``false`` (case-insensitive); anything else is malformed."""
    if text.lower() not in (u"true", u"false"):
        raise ValueError(text)
    return text.lower() == u"true"


def _one_of(*choices):
    """A kind that accepts only ``choices`` (case-insensitive); anything else is malformed."""
    def parse(text):
        if text.lower() not in choices:
            raise ValueError(text)
        return text.lower()
    return parse


TOKEN_LIFETIME = Setting(
    "sparkweb.token.lifetime.seconds", int, 8 * 3600,
    "How long an access token stays valid after login.", minimum=60, maximum=30 * 24 * 3600)
TOKEN_MAX_AGE = Setting(
    "sparkweb.token.maxAge.seconds", int, 7 * 24 * 3600,
    "How long after a password or passkey sign-in its tokens, renewed ones included, stay "
    "valid; then the user signs in again.", minimum=60, maximum=365 * 24 * 3600)
MAX_BODY_BYTES = Setting(
    "sparkweb.http.maxBodyBytes", int, 1024 * 1024,
    "Largest request body accepted; larger ones are answered 413.", minimum=1024,
    maximum=64 * 1024 * 1024)
SIGN_IN_BODY_BYTES = Setting(
    "sparkweb.http.signInBodyBytes", int, 16 * 1024,
    "Largest request body of the public sign-in routes (/login/{username}, /webauthn/...); "
    "larger ones are answered 413. A password or a passkey's answer needs a few KiB at most.",
    minimum=4096, maximum=1024 * 1024)
BODY_BUDGET_BYTES = Setting(
    "sparkweb.http.bodyBudgetBytes", int, 64 * 1024 * 1024,
    "Request-body bytes all clients together may have sent and not yet had handled; a body "
    "that does not fit is answered 503 with Retry-After. A small body that arrives whole with "
    "its headers is handled at once and not counted. Keep it well above maxBodyBytes.",
    minimum=64 * 1024, maximum=4 * 1024 * 1024 * 1024)
BODY_READ_SECONDS = Setting(
    "sparkweb.http.bodyReadSeconds", int, 10,
    "How long a client may take to send a request body; slower ones are answered 408 and "
    "disconnected. Bodies are read without holding a server thread.", minimum=1, maximum=300)
PROTECTED_PROPERTIES = Setting(
    "sparkweb.properties.protected", _names, (),
    "Extra user-property names (or prefixes ending in '.') that the API never reads or writes.")
USER_PROPERTIES_MAX = Setting(
    "sparkweb.properties.maxPerUser", int, 100,
    "Most user properties a user may have (protected ones not counted) before POST "
    "/config/properties refuses to add more.", minimum=1, maximum=10000)
SESSION_GRACE = Setting(
    "sparkweb.session.graceSeconds", int, 30,
    "How long a user's XMPP session outlives its last event stream (covers page reloads).",
    minimum=0, maximum=3600)
SESSION_IDLE = Setting(
    "sparkweb.session.idleSeconds", int, 600,
    "How long a session without event streams lives after the user's last REST call.",
    minimum=10, maximum=7 * 24 * 3600)
SESSION_IQ_WAIT = Setting(
    "sparkweb.session.iqWaitSeconds", int, 20,
    "How long a request waits for the XMPP server's answer to a change it sent (a roster "
    "change, say) before answering 503.",
    minimum=1, maximum=300)
SESSION_RESOURCE = Setting(
    "sparkweb.session.resource", unicode, u"sparkweb",
    "The XMPP resource of SparkWeb sessions, as other users' clients see it.")
SSE_REPLAY_EVENTS = Setting(
    "sparkweb.sse.replayEvents", int, 1000,
    "Events kept per session for replay to a reconnecting stream (Last-Event-ID). At least "
    "queueEvents, so that a stream closed for falling behind gets back all it missed.",
    minimum=0, maximum=100000)
SSE_QUEUE_EVENTS = Setting(
    "sparkweb.sse.queueEvents", int, 1000,
    "Events waiting for one slow stream before that stream is closed (keep it at most "
    "replayEvents).",
    minimum=10, maximum=100000)
SSE_REPLAY_BYTES = Setting(
    "sparkweb.sse.replayBytes", int, 1024 * 1024,
    "Bytes of events kept per session for replay; the oldest go first, and a single event "
    "larger than this is delivered but not kept.", minimum=0, maximum=64 * 1024 * 1024)
SSE_QUEUE_BYTES = Setting(
    "sparkweb.sse.queueBytes", int, 1024 * 1024,
    "Bytes of events waiting for one slow stream before that stream is closed.",
    minimum=64 * 1024, maximum=64 * 1024 * 1024)
SSE_MAX_STREAMS = Setting(
    "sparkweb.sse.maxStreamsPerUser", int, 20,
    "Event streams one user may have open; a new one beyond this closes the oldest.",
    minimum=1, maximum=1000)
SSE_HEARTBEAT = Setting(
    "sparkweb.sse.heartbeatSeconds", int, 15,
    "Interval of the comment lines that keep idle event streams open through proxies.",
    minimum=1, maximum=300)
MAX_MESSAGE_BYTES = Setting(
    "sparkweb.chat.maxMessageBytes", int, 64 * 1024,
    "Largest text (UTF-8 bytes of body, JSON data, subject and status together) one stanza "
    "sent through the API may carry; larger ones are answered 413.", minimum=1024,
    maximum=1024 * 1024)
MUC_MAX_ROOMS = Setting(
    "sparkweb.muc.maxRooms", int, 100,
    "Rooms one user may be in at once through SparkWeb (all of the user's pages together); a "
    "join beyond is answered 409.", minimum=1, maximum=10000)
MUC_JOINS_PER_MINUTE = Setting(
    "sparkweb.muc.joinsPerMinute", int, 30,
    "Room joins (creating rooms included) one user may make through SparkWeb per minute; "
    "more are answered 429.", minimum=1, maximum=100000)
MUC_INVITATIONS_PER_MINUTE = Setting(
    "sparkweb.muc.invitationsPerMinute", int, 10,
    "Room invitations one user may send through SparkWeb per minute; more are answered 429.",
    minimum=1, maximum=100000)
CORS_ORIGINS = Setting(
    "sparkweb.cors.origins", _origins, (),
    "Origins (scheme://host[:port]) whose pages may call the API and open event streams from "
    "another origin; empty means same origin only.")

LOGIN_FAILURES_PER_USER = Setting(
    "sparkweb.login.maxFailuresPerUser", int, 10,
    "Failed password logins allowed per username within the window; more are answered 429. "
    "(Failed passkey sign-ins count per address only.)",
    minimum=1, maximum=100000)
LOGIN_FAILURES_PER_ADDRESS = Setting(
    "sparkweb.login.maxFailuresPerAddress", int, 50,
    "Failed logins allowed per client address within the window; more are answered 429.",
    minimum=1, maximum=100000)
LOGIN_WINDOW = Setting(
    "sparkweb.login.windowSeconds", int, 300,
    "The window over which failed logins are counted.", minimum=1, maximum=24 * 3600)
LOGIN_REQUIRE_JSON = Setting(
    "sparkweb.login.requireJson", _flag, False,
    "Accept passwords only in a JSON body (Content-Type application/json), which browsers "
    "send from other sites only after a CORS preflight; raw-password pages stop working.")
TRUSTED_PROXIES = Setting(
    "sparkweb.http.trustedProxies", _names, (),
    "Addresses of reverse proxies whose X-Forwarded-For header names the client; from any "
    "other peer the header is ignored.")

WEBAUTHN_RP_ID = Setting(
    "sparkweb.webauthn.rpId", unicode, u"",
    "The WebAuthn relying-party id: the domain passkeys are bound to. Empty: the host of the "
    "first allowed origin. Changing it makes existing passkeys unusable.")
WEBAUTHN_RP_NAME = Setting(
    "sparkweb.webauthn.rpName", unicode, u"",
    "The name browsers show when creating a passkey. Empty: the XMPP domain.")
WEBAUTHN_ORIGINS = Setting(
    "sparkweb.webauthn.origins", _origins, (),
    "Origins (scheme://host[:port]) of the pages that may register and use passkeys. Empty: "
    "Openfire's own web addresses (ports 7070/7443). Set the public origin when a reverse proxy "
    "serves SparkWeb, e.g. https://chat.example.org.")
WEBAUTHN_USER_VERIFICATION = Setting(
    "sparkweb.webauthn.userVerification", _one_of(u"required", u"preferred", u"discouraged"),
    u"preferred",
    "Whether the authenticator must verify the user (PIN, biometrics): required, preferred or "
    "discouraged. Only 'required' makes verification mandatory.")
WEBAUTHN_CHALLENGE_SECONDS = Setting(
    "sparkweb.webauthn.challengeSeconds", int, 120,
    "How long a registration or sign-in ceremony may take before its challenge expires.",
    minimum=5, maximum=600)
WEBAUTHN_MAX_CREDENTIALS = Setting(
    "sparkweb.webauthn.maxCredentials", int, 20,
    "Passkeys one user may register.", minimum=1, maximum=100)
WEBAUTHN_STARTS_PER_ADDRESS = Setting(
    "sparkweb.webauthn.maxStartsPerAddress", int, 60,
    "Passkey sign-ins one client address may start per minute; more are answered 429.",
    minimum=1, maximum=100000)
WEBAUTHN_STARTS_PER_USER = Setting(
    "sparkweb.webauthn.maxStartsPerUser", int, 120,
    "Passkey sign-ins that may be started for one username per minute, from all addresses "
    "together; keep it above the per-address limit, so that one address alone cannot use it up. "
    "Passkey registrations are limited per user to the same number, separately.",
    minimum=1, maximum=100000)

OUTBOUND_ALLOW = Setting(
    "sparkweb.outbound.allow", _names, (),
    "Hosts, addresses and networks (10.1.0.0/16, fd12::/64) that outbound requests (link "
    "previews, Web Push) may reach although they are private, loopback or link-local. Empty: "
    "only public internet addresses.")
OUTBOUND_CONNECT_SECONDS = Setting(
    "sparkweb.outbound.connectSeconds", int, 5,
    "How long an outbound request (link preview, Web Push) may take to connect.",
    minimum=1, maximum=60)
OUTBOUND_READ_SECONDS = Setting(
    "sparkweb.outbound.readSeconds", int, 10,
    "How long the answer to an outbound request may take, from connection to last byte.",
    minimum=1, maximum=120)

def _hosts(text):
    """Host names or addresses, lower-cased; ``[...]`` around IPv6 literals is dropped."""
    return tuple(name.lower().strip(u"[]") for name in _names(text))


# --- Web Push (issue 13) -------------------------------------------------------------------
WEBPUSH_SUBJECT = Setting(
    "sparkweb.webpush.subject", unicode, u"",
    "The VAPID contact (RFC 8292 'sub') push services may write to about this server: a "
    "mailto: or https: URL. Empty: mailto: the admin address Openfire knows.")
WEBPUSH_MAX_SUBSCRIPTIONS = Setting(
    "sparkweb.webpush.maxSubscriptionsPerUser", int, 10,
    "Browsers or devices one user may subscribe for push notifications.", minimum=1,
    maximum=100)
WEBPUSH_HTTP_HOSTS = Setting(
    "sparkweb.webpush.plainHttpHosts", _hosts, (),
    "Hosts whose push endpoints may be plain http:// (test and special networks); every "
    "other endpoint must be https://. The address checks of outbound requests still apply.")
WEBPUSH_AUTOMATIC = Setting(
    "sparkweb.webpush.automatic", _flag, True,
    "Push one-to-one messages, mentions in rooms and invitations to users with no visible "
    "SparkWeb page, and messages Openfire stores offline. Users can switch it off for "
    "themselves.")
WEBPUSH_NEUTRAL_TEXT = Setting(
    "sparkweb.webpush.neutralText", _flag, False,
    "Privacy: automatic pushes carry a neutral text ('New message') instead of the message "
    "text, which then never passes through the browser vendor's push service.")
WEBPUSH_TTL = Setting(
    "sparkweb.webpush.ttlSeconds", int, 86400,
    "How long a push service keeps an undelivered notification (the TTL header).",
    minimum=0, maximum=28 * 24 * 3600)
WEBPUSH_PUBLISH_PER_MINUTE = Setting(
    "sparkweb.webpush.publishPerMinute", int, 30,
    "Notifications one user may send to others with POST /webpush/publish per minute; more "
    "are answered 429.", minimum=1, maximum=100000)
WEBPUSH_THREADS = Setting(
    "sparkweb.webpush.threads", int, 4,
    "Threads that encrypt and send push notifications (read at plugin start).",
    minimum=1, maximum=64)
WEBPUSH_QUEUE = Setting(
    "sparkweb.webpush.queueSize", int, 10000,
    "Push notifications waiting to be sent; beyond this new ones are dropped and counted, so "
    "a slow push service never slows message delivery (read at plugin start).",
    minimum=10, maximum=1000000)
WEBPUSH_RETRIES = Setting(
    "sparkweb.webpush.retries", int, 3,
    "How often a notification is sent again after a push service answered 429 or 5xx (with "
    "growing delays, honouring Retry-After).", minimum=0, maximum=10)
# A cluster of Openfire nodes (cluster.forwarding): requests for a user whose session lives on
# another node are run there.
CLUSTER_FORWARD_SECONDS = Setting(
    "sparkweb.cluster.forwardSeconds", int, 30,
    "How long a request forwarded to the user's home node may take before it is answered 503; "
    "keep it above sparkweb.session.iqWaitSeconds.", minimum=2, maximum=300)
CLUSTER_FORWARD_THREADS = Setting(
    "sparkweb.cluster.forwardThreads", int, 16,
    "Threads that run requests forwarded from other cluster nodes (read at plugin start); "
    "when they and their queue are busy, further forwarded requests are answered 503.",
    minimum=1, maximum=256)
# The user's own account, the user directory and groups (api/account.py, api/groups.py).
ACCOUNT_DELETE_ENABLED = Setting(
    "sparkweb.account.deleteEnabled", _flag, False,
    "Let users delete their own account (DELETE /user, with their current password). "
    "Administrators never can.")
ACCOUNT_PHOTO_MAX_BYTES = Setting(
    "sparkweb.account.maxPhotoBytes", int, 64 * 1024,
    "Largest vCard photo (decoded bytes) a user may set through PUT /user; larger is 413.",
    minimum=1024, maximum=512 * 1024)
DIRECTORY_ENABLED = Setting(
    "sparkweb.directory.enabled", _flag, True,
    "Let signed-in users search the user directory (GET /users: usernames and names).")
DIRECTORY_SHOW_EMAIL = Setting(
    "sparkweb.directory.showEmail", _flag, False,
    "Show (and search) email addresses in the user directory.")
GROUPS_SELF_SERVICE = Setting(
    "sparkweb.groups.selfService", _names, (),
    "Comma-separated names of existing groups users may join and leave themselves "
    "(/user/groups). Administrators may join and leave any group.")
PREVIEW_ENABLED = Setting(
    "sparkweb.preview.enabled", _flag, True,
    "Whether GET /preview/{quality}/{url} fetches link previews; when off it answers 404.")
PREVIEW_PER_MINUTE = Setting(
    "sparkweb.preview.maxPerMinute", int, 30,
    "Link previews one user may request per minute (cached ones too); more are answered 429.",
    minimum=1, maximum=10000)
PREVIEW_CACHE_SECONDS = Setting(
    "sparkweb.preview.cacheSeconds", int, 3600,
    "How long a link preview is kept and served to every user who asks for the same link "
    "(failures: at most 60 s).", minimum=1, maximum=7 * 24 * 3600)
PREVIEW_CACHE_ENTRIES = Setting(
    "sparkweb.preview.cacheEntries", int, 1000,
    "Most link previews kept at once; the oldest go first.", minimum=10, maximum=100000)
PREVIEW_MAX_FETCHES = Setting(
    "sparkweb.preview.maxFetches", int, 16,
    "Link-preview pages fetched at the same time, for all users together (each holds a web "
    "request thread while it waits); a preview that needs one more fetch is answered 503 with "
    "Retry-After. Cached previews and requests waiting for a fetch already running are not "
    "counted.", minimum=1, maximum=1000)
UPLOAD_ALLOW_SAME_ORIGIN = Setting(
    "sparkweb.upload.allowSameOrigin", _flag, False,
    "Hand out upload slots (GET /upload/...) whose address is on the same origin as SparkWeb. "
    "DANGEROUS: an uploaded HTML file then runs script as whoever opens it and can steal "
    "their token. Leave off; have the HTTP File Upload plugin announce another host or port.")
UPLOAD_PER_MINUTE = Setting(
    "sparkweb.upload.maxPerMinute", int, 30,
    "Upload slots one user may request (GET /upload/...) per minute; more are answered 429.",
    minimum=1, maximum=10000)

# Secrets SparkWeb itself keeps; not settings, but declared here so that every name is in one file.
TOKEN_KEY_PROPERTY = "sparkweb.token.key"
WEBAUTHN_KEY_PROPERTY = "sparkweb.webauthn.key"
REVOKED_TOKENS_PROPERTY = "sparkweb.token.revoked"
# The VAPID key pair, "<public>.<private>" in base64url, stored encrypted (push.vapid).
WEBPUSH_VAPID_PROPERTY = "sparkweb.webpush.vapid.key"
# User property: "false" when the user switched automatic pushes off (PUT /webpush/preferences).
WEBPUSH_OPT_OUT_PROPERTY = "sparkweb.webpush.automatic"
# User property: the random id tokens of this account carry (auth.accounts); replaced when the
# password changes, gone with the account.
ACCOUNT_ID_PROPERTY = "sparkweb.token.account"

# User properties that never leave the server, whatever an administrator configures: SparkWeb's
# own secrets and those of features that keep per-user secrets in properties.
ALWAYS_PROTECTED = ("sparkweb.", "webauthn", "webpush", "totp", "password", "secret")

ALL = (TOKEN_LIFETIME, TOKEN_MAX_AGE, MAX_BODY_BYTES, SIGN_IN_BODY_BYTES, BODY_BUDGET_BYTES,
       BODY_READ_SECONDS, PROTECTED_PROPERTIES,
       USER_PROPERTIES_MAX, SESSION_GRACE, SESSION_IDLE, SESSION_IQ_WAIT, SESSION_RESOURCE, SSE_REPLAY_EVENTS,
       SSE_REPLAY_BYTES, SSE_QUEUE_EVENTS, SSE_QUEUE_BYTES, SSE_MAX_STREAMS, SSE_HEARTBEAT,
       MAX_MESSAGE_BYTES, MUC_MAX_ROOMS, MUC_JOINS_PER_MINUTE, MUC_INVITATIONS_PER_MINUTE,
       CORS_ORIGINS, LOGIN_FAILURES_PER_USER, LOGIN_FAILURES_PER_ADDRESS,
       LOGIN_WINDOW, LOGIN_REQUIRE_JSON, TRUSTED_PROXIES, WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME,
       WEBAUTHN_ORIGINS, WEBAUTHN_USER_VERIFICATION, WEBAUTHN_CHALLENGE_SECONDS,
       WEBAUTHN_MAX_CREDENTIALS, WEBAUTHN_STARTS_PER_ADDRESS, WEBAUTHN_STARTS_PER_USER,
       OUTBOUND_ALLOW, OUTBOUND_CONNECT_SECONDS, OUTBOUND_READ_SECONDS,
       WEBPUSH_SUBJECT, WEBPUSH_MAX_SUBSCRIPTIONS, WEBPUSH_HTTP_HOSTS, WEBPUSH_AUTOMATIC,
       WEBPUSH_NEUTRAL_TEXT, WEBPUSH_TTL, WEBPUSH_PUBLISH_PER_MINUTE, WEBPUSH_THREADS,
       WEBPUSH_QUEUE, WEBPUSH_RETRIES, CLUSTER_FORWARD_SECONDS, CLUSTER_FORWARD_THREADS,
       ACCOUNT_DELETE_ENABLED, ACCOUNT_PHOTO_MAX_BYTES, DIRECTORY_ENABLED, DIRECTORY_SHOW_EMAIL,
       GROUPS_SELF_SERVICE, PREVIEW_ENABLED, PREVIEW_PER_MINUTE, PREVIEW_CACHE_SECONDS,
       PREVIEW_CACHE_ENTRIES, PREVIEW_MAX_FETCHES, UPLOAD_ALLOW_SAME_ORIGIN,
       UPLOAD_PER_MINUTE)


class Settings(object):
    """Typed, bounded access to the settings above, backed by the facade's system properties."""

    def __init__(self, openfire):
        self._openfire = openfire

    def get(self, setting):
        return setting.parse(self._openfire.get_property(setting.key))

    def set(self, setting, value):
        self._openfire.set_property(setting.key, unicode(value))

    def is_protected_property(self, name):
        lowered = name.lower()
        for entry in ALWAYS_PROTECTED + self.get(PROTECTED_PROPERTIES):
            entry = entry.lower()
            if lowered == entry or lowered.startswith(entry):
                return True
        return False
