"""The dev host: SparkWeb's web application on a standalone Jetty 12 (ee8), wired to the
in-memory Openfire. For trying the API and the web components without a server, and for the
HTTP layer of the test suite.

    java -cp 'build/devhost/lib/*' org.python.util.jython -Dpython.path=src/main/python \\
        -m sparkweb.devhost --port 8080 --user alice:secret

Prints ``SPARKWEB_DEVHOST_READY <base url>`` once it serves, and runs until interrupted (or,
with ``--stop-on-eof``, until its standard input closes: that is how the tests stop it). Users without a password given get a random one, printed once at start,
with the URL of the chat client.
"""
from __future__ import absolute_import, print_function

import argparse
import sys
import uuid

from java.lang import Thread
from org.eclipse.jetty.server import Server, ServerConnector
from org.eclipse.jetty.server.handler import ContextHandlerCollection
from org.eclipse.jetty.util.thread import QueuedThreadPool
from javax.servlet.http import HttpServlet

from sparkweb.http import jetty
from sparkweb.jsontext import to_json

from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.plugin import SparkWeb

READY = "SPARKWEB_DEVHOST_READY"
STREAMS_PATH = "/devhost-test/streams"


class StreamCountServlet(HttpServlet):
    """What the browser tests read on the server side: how many event streams a user holds
    open (the shared-stream test wants one for eight tabs). Dev host only, outside /sparkweb."""

    def __init__(self, services):
        HttpServlet.__init__(self)
        self._services = services

    def doGet(self, request, response):
        session = self._services.sessions.get(request.getParameter("user") or "")
        response.setContentType("application/json")
        response.getWriter().write(to_json({
            "streams": session.stream_count() if session is not None else 0,
            "all": len(self._services.streams)}))


def serve_test_routes(handlers, services):
    context = jetty.ServletContextHandler(jetty.ServletContextHandler.NO_SESSIONS)
    context.setContextPath(STREAMS_PATH.rsplit("/", 1)[0])
    context.addServlet(jetty.ServletHolder(StreamCountServlet(services)), "/streams")
    handlers.addHandler(context.get())
    context.get().start()


class JettyWebServer(object):
    """Adds and removes ee8 servlet contexts on a Jetty 12 server, as Openfire's HttpBindManager
    does: an ee8 context is served through the core handler it supplies."""

    def __init__(self, handlers):
        self._handlers = handlers

    def add(self, context):
        self._handlers.addHandler(context.get())
        if self._handlers.isStarted():
            context.get().start()

    def remove(self, context):
        self._handlers.removeHandler(context.get())
        context.get().stop()


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="sparkweb.devhost")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--domain", default="example.test")
    parser.add_argument("--static", default=None, help="directory served at /sparkweb/")
    parser.add_argument("--user", action="append", default=[],
                        help="username[:password]; repeatable")
    parser.add_argument("--contacts", action="append", default=[],
                        help="user1:user2, mutual contacts; repeatable (default: all users)")
    parser.add_argument("--admin", action="append", default=[],
                        help="username of an Openfire administrator; repeatable")
    parser.add_argument("--group", action="append", default=[],
                        help="name[:member,member[:shared display name]], a group; repeatable")
    parser.add_argument("--property", action="append", default=[],
                        help="name=value, an Openfire system property; repeatable")
    parser.add_argument("--test-routes", action="store_true",
                        help="serve GET %s?user=NAME (open event streams), for the tests"
                        % STREAMS_PATH)
    parser.add_argument("--stop-on-eof", action="store_true",
                        help="stop when standard input closes (for a parent process)")
    return parser.parse_args(argv)


def add_users(openfire, specs):
    """Adds the users; answers [(username, password)] of those given no password (random)."""
    generated = []
    for spec in specs:
        if isinstance(spec, str):   # Jython's argv is UTF-8 bytes; passwords may be any text
            spec = spec.decode("utf-8")
        parts = spec.split(":")
        username = parts[0]
        password = parts[1] if len(parts) > 1 and parts[1] else uuid.uuid4().hex[:12]
        openfire.add_user(username, password, name=username.capitalize(),
                          email="%s@example.test" % username)
        if len(parts) < 2 or not parts[1]:
            generated.append((username, password))
    return generated


def add_groups(openfire, specs):
    for spec in specs:
        name, _, rest = spec.partition(":")
        members, _, shared_as = rest.partition(":")
        openfire.add_group(name, [m for m in members.split(",") if m], shared_as or None)


def all_pairs(user_specs):
    names = [spec.split(":")[0] for spec in user_specs]
    return ["%s:%s" % (a, b) for i, a in enumerate(names) for b in names[i + 1:]]


def add_contacts(openfire, pairs):
    for pair in pairs:
        first, _, second = pair.partition(":")
        openfire.add_contacts(first, second)


def openfire_like_thread_pool():
    """The thread pool of Openfire's HTTP-bind server (HttpBindManager): 200 threads at most,
    8 kept, 60 s idle; so that what exhausts Openfire's threads exhausts the dev host's too."""
    pool = QueuedThreadPool(200, 8, 60000)
    pool.setName("devhost-qtp")
    return pool


def main(argv):
    args = parse_args(argv)
    server = Server(openfire_like_thread_pool())
    connector = ServerConnector(server)
    connector.setHost(args.host)
    connector.setPort(args.port)
    server.addConnector(connector)
    handlers = ContextHandlerCollection()
    server.setHandler(handlers)
    server.setStopAtShutdown(True)   # Ctrl-C
    server.start()
    base = "http://%s:%d" % (args.host, connector.getLocalPort())
    openfire = MemoryOpenfire(args.domain, JettyWebServer(handlers), [base])
    generated = add_users(openfire, args.user)
    add_contacts(openfire, args.contacts or all_pairs(args.user))
    add_groups(openfire, args.group)
    for username in args.admin:
        openfire.set_admin(username)
    for assignment in args.property:
        name, _, value = assignment.partition("=")
        openfire.set_property(name, value)
    sparkweb = SparkWeb(openfire, Thread.currentThread().getContextClassLoader(), args.static)
    sparkweb.start()
    if args.test_routes:
        serve_test_routes(handlers, sparkweb.services)
    print("%s %s" % (READY, base))
    if args.static:
        print("  chat client  %s/sparkweb/  (one user per browser: sign in as a second user "
              "in a private window)" % base)
    for username, password in generated:
        print("  user         %s / %s" % (username, password))
    sys.stdout.flush()
    if not args.stop_on_eof:
        server.join()
        return
    try:
        sys.stdin.read()   # the parent closes our stdin to stop us
    finally:
        sparkweb.stop()
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
