"""What the settings page shows: sections of declared Settings, in order.

A new setting appears on the page by adding it to a section here (with its texts in i18n/);
a setting of config.ALL that no section names still appears, under "Other settings", with its
key as label and its doc as description.
"""
from __future__ import absolute_import

from sparkweb import config


class Section(object):
    def __init__(self, name, settings):
        self.name = name            # texts: sparkweb.settings.section.<name>[.help]
        self.settings = tuple(settings)


SECTIONS = (
    Section("tokens", [config.TOKEN_LIFETIME, config.TOKEN_MAX_AGE]),
    Section("cors", [config.CORS_ORIGINS]),
    Section("webauthn", [config.WEBAUTHN_ORIGINS, config.WEBAUTHN_RP_ID, config.WEBAUTHN_RP_NAME,
                         config.WEBAUTHN_USER_VERIFICATION, config.WEBAUTHN_CHALLENGE_SECONDS,
                         config.WEBAUTHN_MAX_CREDENTIALS, config.WEBAUTHN_STARTS_PER_ADDRESS,
                         config.WEBAUTHN_STARTS_PER_USER]),
    Section("network", [config.TRUSTED_PROXIES, config.MAX_BODY_BYTES,
                        config.SIGN_IN_BODY_BYTES, config.BODY_BUDGET_BYTES,
                        config.BODY_READ_SECONDS, config.MAX_MESSAGE_BYTES]),
    Section("login", [config.LOGIN_FAILURES_PER_USER, config.LOGIN_FAILURES_PER_ADDRESS,
                      config.LOGIN_WINDOW, config.LOGIN_REQUIRE_JSON]),
    Section("sessions", [config.SESSION_GRACE, config.SESSION_IDLE, config.SESSION_IQ_WAIT,
                         config.SESSION_RESOURCE,
                         config.SSE_MAX_STREAMS, config.SSE_REPLAY_EVENTS,
                         config.SSE_REPLAY_BYTES, config.SSE_QUEUE_EVENTS, config.SSE_QUEUE_BYTES,
                         config.SSE_HEARTBEAT]),
    Section("groupchat", [config.MUC_MAX_ROOMS, config.MUC_JOINS_PER_MINUTE,
                          config.MUC_INVITATIONS_PER_MINUTE]),
    Section("privacy", [config.PROTECTED_PROPERTIES, config.USER_PROPERTIES_MAX]),
    Section("outbound", [config.OUTBOUND_ALLOW, config.OUTBOUND_CONNECT_SECONDS,
                         config.OUTBOUND_READ_SECONDS]),
    Section("webpush", [config.WEBPUSH_SUBJECT, config.WEBPUSH_AUTOMATIC,
                        config.WEBPUSH_NEUTRAL_TEXT, config.WEBPUSH_MAX_SUBSCRIPTIONS,
                        config.WEBPUSH_TTL, config.WEBPUSH_PUBLISH_PER_MINUTE,
                        config.WEBPUSH_HTTP_HOSTS,
                        config.WEBPUSH_RETRIES, config.WEBPUSH_THREADS, config.WEBPUSH_QUEUE]),
    Section("accounts", [config.ACCOUNT_DELETE_ENABLED, config.ACCOUNT_PHOTO_MAX_BYTES,
                         config.DIRECTORY_ENABLED, config.DIRECTORY_SHOW_EMAIL,
                         config.GROUPS_SELF_SERVICE]),
    Section("preview", [config.PREVIEW_ENABLED, config.PREVIEW_PER_MINUTE,
                        config.PREVIEW_CACHE_SECONDS, config.PREVIEW_CACHE_ENTRIES,
                        config.PREVIEW_MAX_FETCHES]),
    Section("upload", [config.UPLOAD_PER_MINUTE, config.UPLOAD_ALLOW_SAME_ORIGIN]),
)

# Settings read once when the plugin starts; the page says so next to them.
APPLIES_AT_START = (config.SSE_HEARTBEAT, config.WEBPUSH_THREADS, config.WEBPUSH_QUEUE)


def page_sections(declared=SECTIONS, all_settings=config.ALL):
    """The declared sections, then one named "other" with every remaining setting."""
    named = set(setting.key for section in declared for setting in section.settings)
    rest = [setting for setting in all_settings if setting.key not in named]
    return list(declared) + ([Section("other", rest)] if rest else [])
