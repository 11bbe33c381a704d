"""Upload slots must never point at an origin SparkWeb is served from.

Openfire's HTTP File Upload plugin serves uploaded bytes from Openfire's own HTTP-bind web
server, with no Content-Type, nosniff, CSP or Content-Disposition. If a slot's URL shares an
origin (scheme, host, port) with SparkWeb's pages, an uploaded HTML file runs script on that
origin and reads the signed-in user's token. So a slot is handed out only when neither its
putUrl nor its getUrl is on one of SparkWeb's origins, unless an administrator explicitly
allows it (``sparkweb.upload.allowSameOrigin``).

SparkWeb's origins: Openfire's HTTP-bind addresses (both ports), the origin the request itself
came to (its Host header, for both schemes), the configured passkey and CORS page origins.
Host names are compared as written (no DNS), case-insensitively; a loopback host (localhost,
127.0.0.1, ::1) stands for all three, since a server listening on loopback serves SparkWeb
under each of them.
"""
from __future__ import absolute_import

from urlparse import urlsplit

from sparkweb import config
from sparkweb.errors import ServiceUnavailable

DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK = ("localhost", "127.0.0.1", "::1")
# The HTTP File Upload plugin's properties that set the address it announces in slots.
PLUGIN_PROPERTIES = ("plugin.httpfileupload.announcedWebProtocol",
                     "plugin.httpfileupload.announcedWebHost",
                     "plugin.httpfileupload.announcedWebPort")


class UploadSameOrigin(ServiceUnavailable):
    code = "upload_same_origin"

    def __init__(self):
        ServiceUnavailable.__init__(
            self, "The upload service hands out addresses on the same origin as SparkWeb, "
                  "where an uploaded file could run script as the user, so uploads are off. An "
                  "administrator can have Openfire's HTTP File Upload plugin announce another "
                  "host name or port (%s, served by a reverse proxy) or set "
                  "sparkweb.upload.allowSameOrigin." % ", ".join(PLUGIN_PROPERTIES))


def origin_of(url):
    """(scheme, host, port) of ``url``, lower-case, the port explicit; None if unusable."""
    try:
        parts = urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except (ValueError, AttributeError):
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host.lower(), port if port is not None else DEFAULT_PORTS[scheme]


def sparkweb_origins(settings, openfire, request_host=None):
    """Every origin SparkWeb's pages (and so its users' tokens) may live on."""
    urls = list(openfire.web_urls()) + list(settings.get(config.WEBAUTHN_ORIGINS)) \
        + list(settings.get(config.CORS_ORIGINS))
    if request_host:
        urls += [u"http://" + request_host, u"https://" + request_host]
    origins = set()
    for origin in filter(None, [origin_of(url) for url in urls]):
        scheme, host, port = origin
        twins = LOOPBACK if host in LOOPBACK else (host,)
        origins.update((scheme, twin, port) for twin in twins)
    return origins


def check_slot(slot, settings, openfire, request_host=None):
    """Refuse (503 upload_same_origin) a slot on SparkWeb's origin, unless allowed."""
    if settings.get(config.UPLOAD_ALLOW_SAME_ORIGIN):
        return slot
    ours = sparkweb_origins(settings, openfire, request_host)
    for url in (slot["putUrl"], slot["getUrl"]):
        origin = origin_of(url)
        if origin is None:
            raise ServiceUnavailable("The upload service answered a slot address that is "
                                     "not an http(s) URL.")
        if origin in ours:
            raise UploadSameOrigin()
    return slot
