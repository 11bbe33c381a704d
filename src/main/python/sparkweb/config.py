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

    def parse(self, text):
        """The typed value of ``text``; the default when it is missing or malformed."""
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


TOKEN_LIFETIME = Setting(
    "sparkweb.token.lifetime.seconds", int, 8 * 3600,
    "How long an access token stays valid after login.", minimum=60, maximum=30 * 24 * 3600)
MAX_BODY_BYTES = Setting(
    "sparkweb.http.maxBodyBytes", int, 1024 * 1024,
    "Largest request body accepted; larger ones are answered 413.", minimum=1024,
    maximum=64 * 1024 * 1024)
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
SESSION_RESOURCE = Setting(
    "sparkweb.session.resource", unicode, u"sparkweb",
    "The XMPP resource of SparkWeb sessions, as other users' clients see it.")
SSE_REPLAY_EVENTS = Setting(
    "sparkweb.sse.replayEvents", int, 500,
    "Events kept per session for replay to a reconnecting stream (Last-Event-ID).",
    minimum=0, maximum=100000)
SSE_QUEUE_EVENTS = Setting(
    "sparkweb.sse.queueEvents", int, 1000,
    "Events waiting for one slow stream before that stream is closed.",
    minimum=10, maximum=100000)
SSE_HEARTBEAT = Setting(
    "sparkweb.sse.heartbeatSeconds", int, 15,
    "Interval of the comment lines that keep idle event streams open through proxies.",
    minimum=1, maximum=300)
CORS_ORIGINS = Setting(
    "sparkweb.cors.origins", _names, (),
    "Origins (scheme://host[:port]) whose pages may call the API and open event streams from "
    "another origin; empty means same origin only.")

LOGIN_FAILURES_PER_USER = Setting(
    "sparkweb.login.maxFailuresPerUser", int, 10,
    "Failed logins allowed per username within the window; more are answered 429.",
    minimum=1, maximum=100000)
LOGIN_FAILURES_PER_ADDRESS = Setting(
    "sparkweb.login.maxFailuresPerAddress", int, 50,
    "Failed logins allowed per client address within the window; more are answered 429.",
    minimum=1, maximum=100000)
LOGIN_WINDOW = Setting(
    "sparkweb.login.windowSeconds", int, 300,
    "The window over which failed logins are counted.", minimum=1, maximum=24 * 3600)
TRUSTED_PROXIES = Setting(
    "sparkweb.http.trustedProxies", _names, (),
    "Addresses of reverse proxies whose X-Forwarded-For header names the client; from any "
    "other peer the header is ignored.")

# Secrets SparkWeb itself keeps; not settings, but declared here so that every name is in one file.
TOKEN_KEY_PROPERTY = "sparkweb.token.key"
REVOKED_TOKENS_PROPERTY = "sparkweb.token.revoked"

# User properties that never leave the server, whatever an administrator configures: SparkWeb's
# own secrets and those of features that keep per-user secrets in properties.
ALWAYS_PROTECTED = ("sparkweb.", "webauthn", "webpush", "totp", "password", "secret")

ALL = (TOKEN_LIFETIME, MAX_BODY_BYTES, PROTECTED_PROPERTIES, USER_PROPERTIES_MAX, SESSION_GRACE,
       SESSION_IDLE, SESSION_RESOURCE, SSE_REPLAY_EVENTS, SSE_QUEUE_EVENTS, SSE_HEARTBEAT, CORS_ORIGINS,
       LOGIN_FAILURES_PER_USER, LOGIN_FAILURES_PER_ADDRESS, LOGIN_WINDOW, TRUSTED_PROXIES)


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
