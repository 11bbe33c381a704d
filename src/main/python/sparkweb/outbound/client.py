"""The guarded outbound HTTP client: the only way SparkWeb makes requests to other servers.

    client = OutboundClient(settings)
    answer = client.request("GET", "https://example.org/", max_bytes=1024 * 1024)
    answer = client.request("POST", push_endpoint, headers=[("TTL", "60"), ...], body=bytes_,
                            redirects=0)

Each hop: the URL is read strictly (:mod:`.urls`), its host turned into one checked address
(:mod:`.addresses`), and a socket connected to exactly that address; TLS then verifies the
certificate against the host's name (which is also sent as SNI and Host). Redirects (GET and
HEAD only, at most ``redirects``, default 3) are new hops with the same checks. Nothing of the
caller's is sent unless passed in ``headers``: no cookies, no URL user information, a fixed
User-Agent. Connect and read timeouts come from the settings (the read timeout bounds the
whole answer, so a server dripping a byte at a time cannot hold a thread); at most
``max_bytes`` of a body are read (``truncated`` says more was there).

``on_connect(address, port)`` is called before every connection attempt: tests record it to
prove that refused requests never connect.
"""
from __future__ import absolute_import

from java.io import BufferedInputStream, BufferedOutputStream, IOException
from java.lang import System
from java.net import InetSocketAddress, Socket, SocketTimeoutException
from javax.net.ssl import SNIHostName, SSLException, SSLSocketFactory

from sparkweb import VERSION, config
from sparkweb.outbound import urls, wire
from sparkweb.outbound.addresses import AddressPolicy, resolve_with_java
from sparkweb.outbound.errors import Failed, Refused

USER_AGENT = "SparkWeb/%s (Openfire plugin; +https://www.igniterealtime.org/)" % VERSION
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Headers the client writes itself, or that would carry state it must not send.
RESERVED_HEADERS = ("host", "content-length", "transfer-encoding", "connection", "cookie",
                    "user-agent", "proxy-authorization", "te", "upgrade")


class OutboundClient(object):
    def __init__(self, settings, resolve=resolve_with_java, on_connect=None, tls=None):
        self._settings = settings
        self._resolve = resolve
        self._on_connect = on_connect
        self._tls = tls     # an SSLSocketFactory; None: the JVM's default trust

    def policy(self):
        """The address policy as configured now (the push sender may use it on its own)."""
        return AddressPolicy(self._settings.get(config.OUTBOUND_ALLOW), self._resolve)

    def request(self, method, url, headers=(), body=None, max_bytes=1024 * 1024, redirects=3):
        """The final answer (wire.Response), following redirects; raises Refused or Failed."""
        _check_headers(headers)
        policy = self.policy()
        target = urls.parse(url)
        for hop in range(redirects + 1):
            answer = self._exchange(policy, method, target, headers, body, max_bytes)
            location = answer.header("location")
            if answer.status not in REDIRECT_STATUSES or not location or \
                    method not in ("GET", "HEAD"):
                answer.url = target.url
                return answer
            target = urls.parse(target.resolve(location))
        raise Refused("redirects", "More than %d redirects." % redirects)

    def _exchange(self, policy, method, target, headers, body, max_bytes):
        address = policy.address_for(target.host)
        socket = self._connect(address, target)
        try:
            deadline = System.currentTimeMillis() + 1000 * self._settings.get(
                config.OUTBOUND_READ_SECONDS)
            socket.setSoTimeout(1000 * self._settings.get(config.OUTBOUND_READ_SECONDS))
            if target.scheme == "https":
                socket = _tls(self._tls or SSLSocketFactory.getDefault(), socket, target)
            sent = [("User-Agent", USER_AGENT)] + list(headers)
            wire.write_request(BufferedOutputStream(socket.getOutputStream()), method, target,
                               sent, body)
            reader = wire.Reader(BufferedInputStream(socket.getInputStream()), socket, deadline)
            return wire.read_response(reader, method, max_bytes)
        except SocketTimeoutException:
            raise Failed("timeout", "The server took too long to answer.")
        except SSLException as error:
            raise Failed("tls", "TLS with %s failed: %s" % (target.host, error.getMessage()))
        except IOException as error:
            raise Failed("io", "Reading from %s failed: %s" % (target.host, error.getMessage()))
        finally:
            socket.close()

    def _connect(self, address, target):
        if self._on_connect is not None:
            self._on_connect(address, target.port)
        socket = Socket()
        try:
            socket.connect(InetSocketAddress(address, target.port),
                           1000 * self._settings.get(config.OUTBOUND_CONNECT_SECONDS))
        except SocketTimeoutException:
            socket.close()
            raise Failed("timeout", "Connecting to %s timed out." % target.host)
        except IOException as error:
            socket.close()
            raise Failed("connect", "Cannot connect to %s: %s" % (target.host,
                                                                  error.getMessage()))
        return socket


def _tls(factory, socket, target):
    """TLS over the connected socket, verifying the certificate against the URL's host name
    (not the address), with that name as SNI."""
    name = target.host.strip("[]")
    tls = factory.createSocket(socket, name, target.port, True)
    parameters = tls.getSSLParameters()
    parameters.setEndpointIdentificationAlgorithm("HTTPS")
    if not target.host.startswith("[") and not name.replace(".", "").isdigit():
        parameters.setServerNames([SNIHostName(name)])
    tls.setSSLParameters(parameters)
    tls.startHandshake()
    return tls


def _check_headers(headers):
    for name, value in headers:
        if name.lower() in RESERVED_HEADERS:
            raise ValueError("The outbound client sets %s itself or never sends it." % name)
        if "\r" in name or "\n" in name or "\r" in value or "\n" in value or ":" in name:
            raise ValueError("Header %r is not a valid HTTP header." % name)
