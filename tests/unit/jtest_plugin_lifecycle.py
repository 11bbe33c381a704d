"""Start and stop of the whole plugin on the in-memory Openfire: a start that fails halfway
leaves nothing behind, and while stop() waits for running requests, new ones get a JSON 503."""
from __future__ import absolute_import

from java.lang import IllegalStateException, Thread
from java.net import URI
from java.net.http import HttpClient, HttpRequest, HttpResponse
from java.time import Duration
from java.util.concurrent import CountDownLatch, TimeUnit
from org.eclipse.jetty.server.handler import ContextHandlerCollection
from org.igniterealtime.openfire.plugin.sparkweb import AdminPageServlet

import json
import threading
import time

from sparkweb.devhost import JettyWebServer
from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.plugin import SparkWeb

from support import loopback_jetty

TIMER_THREAD = "sparkweb-timer"
LOADER = Thread.currentThread().getContextClassLoader()


def timer_threads():
    return set(thread for thread in Thread.getAllStackTraces().keySet()
               if thread.getName() == TIMER_THREAD and thread.isAlive())


def still_alive(threads, timeout_millis=5000):
    """Those of ``threads`` still running after waiting (bounded) for each to end."""
    for thread in threads:
        thread.join(timeout_millis)
    return [thread for thread in threads if thread.isAlive()]


class FailingWebServer(object):
    """Takes the context, then fails as Jetty does when a context cannot start (the context
    is in the server's handler list by then)."""

    def __init__(self):
        self.added = []
        self.removed = []

    def add(self, context):
        self.added.append(context)
        raise IllegalStateException("deliberate: the context did not start")

    def remove(self, context):
        self.removed.append(context)



def _warm_up_under_way(plugin):
    """The plugin's warm-up, once it has sent 50 requests (at most 30 s)."""
    warm_up = plugin.warm_up
    deadline = time.time() + 30
    while warm_up.sent.get() < 50 and time.time() < deadline:
        Thread.sleep(20)
    assert warm_up.sent.get() >= 50, "the warm-up sent %d requests in 30 s" % warm_up.sent.get()
    return warm_up

def test_a_start_that_fails_halfway_is_undone():
    web_server = FailingWebServer()
    openfire = MemoryOpenfire(u"example.test", web_server)
    timers_before = timer_threads()
    plugin = SparkWeb(openfire, LOADER)
    try:
        plugin.start()
    except IllegalStateException as error:
        assert "deliberate" in error.getMessage(), "another failure: %s" % error
    else:
        raise AssertionError("start() did not pass the failure on")
    left = still_alive(timer_threads() - timers_before)
    assert not left, "the timer thread of the failed start still runs: %s" % left
    assert web_server.removed == web_server.added, \
        "the web context of the failed start was not removed (added %d, removed %d)" % (
            len(web_server.added), len(web_server.removed))
    assert openfire.web_contexts == [], "the facade still serves %s" % openfire.web_contexts
    plugin.stop()   # what Openfire may still call: nothing left to undo, nothing fails


def test_a_failed_start_does_not_leave_the_admin_page_handler():
    AdminPageServlet.setHandler(None)

    class LateFailure(SparkWeb):
        def _serve_admin_page(self):
            SparkWeb._serve_admin_page(self)
            raise IllegalStateException("deliberate: a step after the admin page")

    openfire = MemoryOpenfire(u"example.test")
    timers_before = timer_threads()
    try:
        LateFailure(openfire, LOADER).start()
    except IllegalStateException:
        pass
    else:
        raise AssertionError("start() did not pass the failure on")
    handler = AdminPageServlet.getDeclaredField("handler")
    handler.setAccessible(True)
    assert handler.get(None) is None, "the admin page still has the failed start's handler"
    assert openfire.web_contexts == [], "the web context of the failed start is still served"
    assert not still_alive(timer_threads() - timers_before), "the timer thread still runs"


# --- the 503 while unloading ----------------------------------------------------------------

class BlockingLogin(MemoryOpenfire):
    """An Openfire whose password check waits until the test lets it go, so that a request is
    inside SparkWeb while the plugin stops."""

    def __init__(self, web_server, urls):
        MemoryOpenfire.__init__(self, u"example.test", web_server, urls)
        self.entered = CountDownLatch(1)
        self.release = CountDownLatch(1)

    def authenticate(self, username, password):
        self.entered.countDown()
        self.release.await(20, TimeUnit.SECONDS)
        return MemoryOpenfire.authenticate(self, username, password)


def _serve(started=True):
    server, connector = loopback_jetty()
    handlers = ContextHandlerCollection()
    server.setHandler(handlers)
    if not started:   # the caller starts it; the port is chosen then
        return server, handlers, "http://127.0.0.1:0"
    server.start()
    return server, handlers, "http://127.0.0.1:%d" % connector.getLocalPort()


def _request(client, url, body=None):
    builder = HttpRequest.newBuilder(URI(url)).timeout(Duration.ofSeconds(20))
    if body is not None:
        builder = builder.POST(HttpRequest.BodyPublishers.ofString(body))
    return client.send(builder.build(), HttpResponse.BodyHandlers.ofString())


def _in_thread(function):
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as error:
            outcome["error"] = error
    thread = threading.Thread(target=run)
    thread.daemon = True
    thread.start()
    return thread, outcome


def test_requests_during_unloading_get_a_json_503_while_running_ones_finish():
    server, handlers, base = _serve()
    client = HttpClient.newHttpClient()
    rest = base + "/sparkweb/api/rest"
    openfire = BlockingLogin(JettyWebServer(handlers), [base])
    openfire.add_user(u"alice", u"alice-pw")
    try:
        plugin = SparkWeb(openfire, LOADER).start()
        login, login_outcome = _in_thread(lambda: _request(client, rest + "/login/alice",
                                                           "alice-pw"))
        assert openfire.entered.await(20, TimeUnit.SECONDS), "the login never reached Openfire"
        stopping, stop_outcome = _in_thread(plugin.stop)
        answer = _first_answer_other_than(401, client, rest + "/user", seconds=20)
        assert answer.statusCode() == 503, "while unloading: %d %s" % (answer.statusCode(),
                                                                       answer.body())
        content_type = answer.headers().firstValue("Content-Type").orElse("")
        assert content_type.startswith("application/json"), "503 as %r" % content_type
        body = json.loads(answer.body())
        assert body.get("error") == "service_unavailable" and body.get("message"), body
        assert stopping.is_alive(), "stop() did not wait for the running request"
        openfire.release.countDown()
        login.join(20)
        stopping.join(20)
        assert not stopping.is_alive() and "error" not in stop_outcome, \
            "stop() did not finish: %s" % stop_outcome
        assert login_outcome.get("value") is not None, "the running login got no answer: %s" \
            % login_outcome
        assert login_outcome["value"].statusCode() == 200, \
            "the request running while unloading was cut off: %d" % login_outcome["value"].statusCode()
        gone = _request(client, rest + "/user")
        assert gone.statusCode() == 404, "after unloading: %d" % gone.statusCode()
    finally:
        openfire.release.countDown()
        server.stop()


def _first_answer_other_than(status, client, url, seconds):
    """The first answer to GET ``url`` whose status is not ``status``, asked again until then
    (the gate closes in another thread, with no event to wait for)."""
    deadline = time.time() + seconds
    while True:
        answer = _request(client, url)
        if answer.statusCode() != status or time.time() > deadline:
            return answer
        Thread.sleep(10)


def test_the_warm_up_runs_the_rest_path_unauthorised_and_ends_with_stop():
    """After start, the warm-up thread sends in-process requests through Jersey: every one is
    refused (401 for its unusable token, 404); between them it issues and verifies throwaway
    tokens and builds chat events (JSON, SSE frame); and stop() ends the thread."""
    server, handlers, base = _serve()
    openfire = MemoryOpenfire(u"example.test", JettyWebServer(handlers), [base])
    openfire.add_user(u"alice", u"alice-pw")
    try:
        plugin = SparkWeb(openfire, LOADER).start()
        warm_up = _warm_up_under_way(plugin)
        assert set(warm_up.statuses) <= set([401, 404]) and 401 in warm_up.statuses, \
            "warm-up answers: %r" % warm_up.statuses
        counts = warm_up.hot_paths.counts if warm_up.hot_paths is not None else {}
        assert counts.get("token") > 0 and counts.get("event") > 0, \
            "the warm-up ran no token or event path: %r" % counts
        plugin.stop()
        alive = [thread for thread in Thread.getAllStackTraces().keySet()
                 if thread.getName() == "sparkweb-warm-up" and thread.isAlive()]
        assert not alive, "the warm-up thread outlived stop()"
    finally:
        server.stop()


def test_the_warm_up_waits_for_a_web_server_that_starts_after_the_plugin():
    """Openfire starts its web server only once every plugin has loaded, so at plugin start
    the REST servlet is not initialised yet: the warm-up waits for it instead of giving up
    (it used to end at once there, having sent nothing), and stop() still ends it."""
    server, handlers, base = _serve(started=False)
    openfire = MemoryOpenfire(u"example.test", JettyWebServer(handlers), [base])
    openfire.add_user(u"alice", u"alice-pw")
    plugin = None
    try:
        plugin = SparkWeb(openfire, LOADER).start()
        Thread.sleep(300)       # later plugins load; the warm-up thread must still be there
        server.start()          # as Openfire does after the last plugin
        warm_up = _warm_up_under_way(plugin)
        assert 401 in warm_up.statuses, "warm-up answers: %r" % warm_up.statuses
    finally:
        if plugin is not None:
            plugin.stop()
        server.stop()
    alive = [thread for thread in Thread.getAllStackTraces().keySet()
             if thread.getName() == "sparkweb-warm-up" and thread.isAlive()]
    assert not alive, "the warm-up thread outlived stop()"


class _Answered(object):
    def get(self, amount, unit):
        return self

    def getStatus(self):
        return 401


class _FakeJersey(object):
    """A servlet holder whose Jersey answers every request 401 at once."""

    def getServlet(self):
        return self

    def getApplicationHandler(self):
        return self

    def getConfiguration(self):
        return None

    def apply(self, request):
        return _Answered()


def test_the_warm_up_gives_way_while_real_requests_are_served():
    """While requests are being served the warm-up sends none (they warm the same code, and
    on two cores it only took their CPU); once they are done it goes on."""
    from java.util.concurrent.atomic import AtomicBoolean
    from sparkweb.http.warm_up import WarmUp
    serving = AtomicBoolean(True)
    warm_up = WarmUp(_FakeJersey(), seconds=30, requests=100, busy=serving.get).start()
    try:
        deadline = time.time() + 10
        while warm_up.paused.get() < 20 and time.time() < deadline:
            Thread.sleep(20)
        assert warm_up.paused.get() >= 20, "the warm-up never paused: %d" % warm_up.paused.get()
        assert warm_up.sent.get() == 0, "it sent %d requests while others were served" % (
            warm_up.sent.get())
        serving.set(False)
        deadline = time.time() + 20
        while warm_up.sent.get() < 100 and time.time() < deadline:
            Thread.sleep(20)
        assert warm_up.sent.get() == 100, "after the requests it sent %d of 100" % (
            warm_up.sent.get())
    finally:
        warm_up.stop()
