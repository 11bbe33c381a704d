"""Reading a URL the way the guarded client may use it: ``http``/``https`` only, no user
information, a host the address policy can judge, a request target to send. Stricter than
browsers on purpose: whatever two parsers might read differently is refused, not guessed."""
from __future__ import absolute_import

import re

from java.lang import IllegalArgumentException
from java.net import IDN, URI, URISyntaxException

from sparkweb.outbound.errors import Refused

DEFAULT_PORTS = {"http": 80, "https": 443}
UNSAFE = re.compile(u"[\\x00-\\x20\\x7f\\\\]")
PORT = re.compile(r"^[0-9]{1,5}$")


class Target(object):
    """One parsed URL: ``scheme``, ``host`` (IPv6 in brackets), ``port``, ``path`` (the request
    target, with query), ``url`` (normalised, without fragment)."""

    def __init__(self, scheme, host, port, path):
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.authority = host if port == DEFAULT_PORTS[scheme] else "%s:%d" % (host, port)
        self.url = "%s://%s%s" % (scheme, self.authority, path)

    def resolve(self, location):
        """The absolute URL a redirect's ``Location`` names, relative to this one."""
        location = _escape(location.strip())
        try:
            return URI(self.url).resolve(URI(location)).toString()
        except (URISyntaxException, Exception):
            raise Refused("malformed", "The redirect target is not a valid URL.")


def parse(text):
    if UNSAFE.search(text):
        raise Refused("malformed", "The URL contains spaces, control characters or '\\'.")
    scheme, separator, rest = text.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in DEFAULT_PORTS:
        raise Refused("scheme", "Only http and https URLs are fetched.")
    rest = rest.split("#", 1)[0]
    cut = min([index for index in (rest.find("/"), rest.find("?")) if index >= 0] or
              [len(rest)])
    authority, path = rest[:cut], rest[cut:]
    if "@" in authority:
        raise Refused("userinfo", "URLs with user names or passwords are not fetched.")
    host, port = _host_and_port(authority, scheme)
    if "%" in host:
        raise Refused("spelling", "Percent-encoded host names are not fetched.")
    if not path.startswith("/"):
        path = "/" + path
    return Target(scheme, _ascii_host(host).lower(), port, _escape(path))


def _ascii_host(host):
    """An internationalised name in its ASCII (punycode) form: what DNS, the Host header, SNI
    and the certificate check all use."""
    try:
        ascii_host = IDN.toASCII(host) if not host.startswith("[") \
            else host
    except IllegalArgumentException:
        raise Refused("malformed", "The URL's host is not a valid internationalised name.")
    try:
        return str(ascii_host)
    except UnicodeError:
        raise Refused("malformed", "The URL's host is not a valid name.")


def _host_and_port(authority, scheme):
    if authority.startswith("["):
        host, _, after = authority.partition("]")
        host += "]"
        port = after[1:] if after.startswith(":") else (None if not after else "x")
    else:
        host, colon, port = authority.partition(":")
        port = port if colon else None
    if not host or host == "[]":
        raise Refused("malformed", "The URL has no host.")
    if port is None or port == "":
        return host, DEFAULT_PORTS[scheme]
    if not PORT.match(port) or not 0 < int(port) < 65536:
        raise Refused("malformed", "The URL's port is not a number from 1 to 65535.")
    return host, int(port)


def _escape(text):
    """``text`` with non-ASCII characters (and controls, spaces) percent-encoded as UTF-8
    (what browsers send). Not urllib.quote: urllib imports Python's socket layer, whose Netty
    threads outlive the plugin in Jython (tests/selftest/test_no_python_sockets.py)."""
    if isinstance(text, unicode):
        text = text.encode("utf-8")
    return "".join(char if 33 <= ord(char) < 127 else "%%%02X" % ord(char) for char in text)
