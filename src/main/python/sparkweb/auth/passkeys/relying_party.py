"""The WebAuthn relying party: who passkeys are registered with (an id, which is a domain, and
a display name) and the page origins allowed to use them, from the settings or, by default,
from Openfire's own web addresses. Read on each use, so changed settings apply at once."""
from __future__ import absolute_import

from com.webauthn4j.data.client import Origin
from com.webauthn4j.data.client.challenge import DefaultChallenge
from com.webauthn4j.server import ServerProperty
from java.net import URI
from java.util import HashSet

from sparkweb import config

LOOPBACK_HOSTS = ("127.0.0.1", "[::1]", "::1")


class RelyingParty(object):
    """Who passkeys are registered with: id (a domain), display name, allowed page origins."""

    def __init__(self, rp_id, name, origins, user_verification):
        self.id = rp_id
        self.name = name
        self.origins = origins
        self.user_verification = user_verification

    @property
    def verification_required(self):
        return self.user_verification == u"required"

    def server_property(self, challenge):
        origins = HashSet()
        for origin in self.origins:
            origins.add(Origin.create(origin))
        return ServerProperty(origins, self.id, DefaultChallenge(challenge))


def default_origins(web_urls):
    """Openfire's own web addresses, plus their ``localhost`` twin for a loopback address
    (browsers accept ``localhost`` as a passkey domain, never an IP address)."""
    origins = []
    for url in web_urls:
        origins.append(url)
        host = URI(url).getHost()
        if host in LOOPBACK_HOSTS:
            origins.append(url.replace(host, u"localhost", 1))
    return origins


def relying_party(settings, openfire):
    """The relying party as currently configured (settings apply without a restart)."""
    origins = list(settings.get(config.WEBAUTHN_ORIGINS)) or default_origins(openfire.web_urls())
    rp_id = settings.get(config.WEBAUTHN_RP_ID)
    if not rp_id:
        hosts = [URI(origin).getHost() for origin in origins]
        named = [host for host in hosts if host not in LOOPBACK_HOSTS]
        rp_id = named[0] if named else u"localhost"
    return RelyingParty(rp_id, settings.get(config.WEBAUTHN_RP_NAME) or openfire.xmpp_domain(),
                        origins, settings.get(config.WEBAUTHN_USER_VERIFICATION))
