"""The guarded outbound HTTP client: the only way SparkWeb makes requests to other servers.

    client = OutboundClient(settings)
    answer = client.request("GET", "https://example.org/", max_bytes=1024 * 1024)
    answer = client.request("POST", push_endpoint, headers=[("TTL", "60"), ...], body=bytes_,
                            redirects=0)

Each hop: the URL is read strictly (:mod:`.urls`), its host turned into one checked address
(:mod:`.addresses`; the DNS lookup within the connect timeout, :mod:`.resolver`), and a socket
connected to exactly that address; TLS then verifies the certificate against the host's name
(which is also sent as SNI and Host). With ``keep_alive=True`` (push services) the socket may be
one kept open from an earlier request to the same scheme, host, port and address (:mod:`.pool`),
chosen only after this hop's checks and resolution, and it is kept for the next request when
the answer allows; one the server closed while it was idle is replaced by a new connection
before anything is sent on it, never after. Redirects (GET and
HEAD only, at most ``redirects``, default 3) are new hops with the same checks. Nothing of the
caller's is sent unless passed in ``headers``: no cookies, no URL user information, a fixed
User-Agent. Connect and read timeouts come from the settings; a watchdog closes every hop's
socket once connect + read seconds are over, so a server dripping a byte at a time (also
inside a TLS record or the handshake) cannot hold a thread; :meth:`stop` closes all open
sockets (plugin unload). Sockets never go through a JVM-wide proxy. At most
``max_bytes`` of a body are read (``truncated`` says more was there).

``on_connect(address, port)`` is called before every connection attempt: tests record it to
prove that refused requests never connect.
"""
from __future__ import absolute_import

from java.io import IOException
from java.lang import Runnable, System, Thread, Throwable
from java.net import InetSocketAddress, Proxy, Socket, SocketTimeoutException
from java.util.concurrent import (ConcurrentHashMap, RejectedExecutionException,
                                  ScheduledThreadPoolExecutor, ThreadFactory, TimeUnit)
from java.util.concurrent.atomic import AtomicInteger
from javax.net.ssl import SNIHostName, SSLException, SSLSocketFactory

from sparkweb import VERSION, config
from sparkweb.outbound import urls, wire
from sparkweb.outbound.addresses import AddressPolicy, resolve_with_java
from sparkweb.outbound.errors import Failed, Refused
from sparkweb.outbound.pool import Connection, ConnectionPool
from sparkweb.outbound.resolver import DeadlineResolver

USER_AGENT = "SparkWeb/%s (Openfire plugin; +https://www.igniterealtime.org/)" % VERSION
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_REMEMBERED_URLS = 10000
# Headers the client writes itself, or that would carry state it must not send.
RESERVED_HEADERS = ("host", "content-length", "transfer-encoding", "connection", "cookie",
                    "user-agent", "proxy-authorization", "te", "upgrade")


class OutboundClient(object):
    def __init__(self, settings, resolve=resolve_with_java, on_connect=None, tls=None,
                 pool=None):
        self._settings = settings
        # Lookups get the connect timeout: InetAddress alone would wait for the system resolver.
        self._resolve = DeadlineResolver(
            resolve, lambda: settings.get(config.OUTBOUND_CONNECT_SECONDS))
        self._on_connect = on_connect
        self._tls = tls     # an SSLSocketFactory; None: the JVM's default trust
        # Socket read timeouts bound single reads only (a TLS record dripped a byte at a time
        # passes them): the watchdog closes each socket at its hop's deadline instead.
        self._watchdog = ScheduledThreadPoolExecutor(1, _Daemon())
        # A request's alarm is cancelled when it ends; left queued until its deadline it would
        # keep the closed socket reachable (thousands at push rates).
        self._watchdog.setRemoveOnCancelPolicy(True)
        self._open = ConcurrentHashMap()   # socket -> True: closed by stop()
        self._pool = pool or ConnectionPool()   # connections kept for keep_alive requests
        self._policy = None                     # (allow-list, AddressPolicy made of it)
        self._targets = ConcurrentHashMap()     # keep_alive URL -> urls.Target
        sweep = self._pool.idle_millis // 2
        self._watchdog.scheduleWithFixedDelay(_Sweep(self._pool), sweep, sweep,
                                              TimeUnit.MILLISECONDS)

    def stop(self):
        """Ends the watchdog and closes every open socket: requests blocked on them end."""
        self._watchdog.shutdownNow()
        self._resolve.stop()
        self._pool.stop()
        for socket in list(self._open.keySet()):
            _close(socket)

    def policy(self):
        """The address policy as configured now (the push sender may use it on its own). Made
        again only when the allow-list changed: reading the list's networks per request was a
        measurable part of a push (profile of bench/push_bench.py)."""
        allowed = self._settings.get(config.OUTBOUND_ALLOW)
        made = self._policy
        if made is None or made[0] != allowed:
            made = self._policy = (allowed, AddressPolicy(allowed, self._resolve))
        return made[1]

    def _target(self, url, keep_alive):
        """The parsed URL; remembered for keep_alive requests (push endpoints, a bounded set
        parsed again and again). Only the reading of the text is remembered: the host's
        address is checked and resolved anew for every request."""
        if not keep_alive:
            return urls.parse(url)
        target = self._targets.get(url)
        if target is None:
            target = urls.parse(url)
            if self._targets.size() >= MAX_REMEMBERED_URLS:
                self._targets.clear()
            self._targets.put(url, target)
        return target

    def request(self, method, url, headers=(), body=None, max_bytes=1024 * 1024, redirects=3,
                keep_alive=False, read_seconds=None):
        """The final answer (wire.Response), following redirects; raises Refused or Failed.
        ``keep_alive``: the connection may be one kept from an earlier request to the same
        host, port and address, and is kept for the next one when the answer allows (see
        :mod:`.pool`). ``read_seconds``: a shorter read timeout than the setting's, for
        servers known to answer at once (push services)."""
        _check_headers(headers)
        policy = self.policy()
        target = self._target(url, keep_alive)
        read_millis = 1000 * self._settings.get(config.OUTBOUND_READ_SECONDS)
        if read_seconds is not None:
            read_millis = min(read_millis, 1000 * read_seconds)
        for hop in range(redirects + 1):
            answer = self._exchange(policy, method, target, headers, body, max_bytes, keep_alive,
                                    read_millis)
            location = answer.header("location")
            if answer.status not in REDIRECT_STATUSES or not location or \
                    method not in ("GET", "HEAD"):
                answer.url = target.url
                return answer
            target = urls.parse(target.resolve(location))
        raise Refused("redirects", "More than %d redirects." % redirects)

    def _exchange(self, policy, method, target, headers, body, max_bytes, keep_alive,
                  read_millis):
        # Every hop is checked and resolved before a kept connection is even looked for: the
        # key holds the address, so neither a refused host nor a changed DNS answer reuses one.
        address = policy.address_for(target.host)
        key = (target.scheme, target.host, target.port, address.getHostAddress())
        connect_millis = 1000 * self._settings.get(config.OUTBOUND_CONNECT_SECONDS)
        connection = self._pool.take(key) if keep_alive else None
        hop = _Hop(connection)
        try:
            alarm = self._watchdog.schedule(hop, connect_millis +
                                            read_millis, TimeUnit.MILLISECONDS)
        except RejectedExecutionException:
            if connection is not None:
                connection.close()
            raise Failed("stopped", "SparkWeb is stopping.")
        answer = None
        try:
            if connection is None:
                connection = self._open_connection(key, address, target, connect_millis,
                                                   hop)
            connection.socket.setSoTimeout(read_millis)
            deadline = System.currentTimeMillis() + read_millis
            sent = [("User-Agent", USER_AGENT)] + list(headers)
            connection.requests += 1
            wire.write_request(connection.output, method, target, sent, body, keep_alive)
            reader = wire.Reader(connection.input, connection.stream, deadline,
                                 connection.buffer)
            answer = wire.read_response(reader, method, max_bytes)
            return answer
        except SocketTimeoutException:
            raise Failed("timeout", "The server took too long to answer.")
        except SSLException as error:
            raise _expired_or(hop, Failed("tls", "TLS with %s failed: %s" % (
                target.host, error.getMessage())))
        except IOException as error:
            raise _expired_or(hop, Failed("io", "Reading from %s failed: %s" % (
                target.host, error.getMessage())))
        finally:
            alarm.cancel(False)
            if connection is not None:
                self._finish(connection, answer, keep_alive, hop)

    def _finish(self, connection, answer, keep_alive, hop):
        """Keeps the connection for the next request when everything allows it, else closes.
        ``hop.finish()`` is taken first: once it is, a late alarm leaves the connection alone;
        if the alarm won, the connection is closed, never kept."""
        try:
            reusable = hop.finish() and keep_alive and answer is not None and \
                answer.reusable and connection.input.available() == 0
        except IOException:
            reusable = False
        if reusable:
            self._pool.give_back(connection)
        else:
            connection.close()

    def _open_connection(self, key, address, target, connect_millis, hop):
        socket = Socket(Proxy.NO_PROXY)
        self._open.put(socket, True)
        connection = None
        try:
            hop.connection = _Unwrapped(socket)
            self._connect(socket, address, target, connect_millis)
            stream = socket   # closing the plain socket also ends a TLS one layered on it
            if target.scheme == "https":
                stream = _tls(self._tls or SSLSocketFactory.getDefault(), socket, target)
            connection = Connection(key, socket, stream, self._closed)
            hop.connection = connection
            return connection
        finally:
            if connection is None:
                _close(socket)
                self._open.remove(socket)

    def _closed(self, connection):
        self._open.remove(connection.socket)

    def _connect(self, socket, address, target, connect_millis):
        if self._on_connect is not None:
            self._on_connect(address, target.port)
        try:
            socket.connect(InetSocketAddress(address, target.port), connect_millis)
        except SocketTimeoutException:
            raise Failed("timeout", "Connecting to %s timed out." % target.host)
        except IOException as error:
            raise Failed("connect", "Cannot connect to %s: %s" % (target.host,
                                                                  error.getMessage()))


class _Daemon(ThreadFactory):
    def newThread(self, runnable):
        thread = Thread(runnable, "sparkweb-outbound-watchdog")
        thread.setDaemon(True)
        return thread


class _Sweep(Runnable):
    def __init__(self, pool):
        self._pool = pool

    def run(self):
        try:
            self._pool.sweep()
        except (Exception, Throwable):   # an exception would end the periodic sweep
            pass


class _Hop(Runnable):
    """The watchdog's alarm for one request (``run``: its deadline passed) and the request's
    state as the alarm sees it: ``connection`` (anything with a ``socket``), named as soon as
    there is one, and how the request ended. Ending is one atomic decision, taken once: either the request finished (``finish``: its connection may be kept
    and reused) or its deadline passed (``expire``: its socket is closed). An alarm that started
    running just as the request finished must not close a connection already given back and
    taken by the next request, which would then fail after sending (S6-R-8)."""

    RUNNING, FINISHED, EXPIRED = 0, 1, 2

    def __init__(self, connection):
        self.connection = connection
        self._state = AtomicInteger(self.RUNNING)

    def expire(self):
        if not self._state.compareAndSet(self.RUNNING, self.EXPIRED):
            return   # finished first: the connection is no longer this request's
        connection = self.connection
        if connection is not None:
            _close(connection.socket)

    def finish(self):
        """True when the request finished before its deadline: then the alarm closes nothing."""
        return self._state.compareAndSet(self.RUNNING, self.FINISHED)

    def get(self):
        """Whether the deadline passed (and the socket was closed for it)."""
        return self._state.get() == self.EXPIRED

    def run(self):
        self.expire()


class _Unwrapped(object):
    """A socket still connecting, as the watchdog sees a connection."""

    def __init__(self, socket):
        self.socket = socket


def _close(socket):
    try:
        socket.close()
    except IOException:
        pass


def _expired_or(hop, failure):
    if hop.get():
        return Failed("timeout", "The server took too long to answer.")
    return failure


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
