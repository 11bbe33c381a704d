"""Unloading SparkWeb while a request waits for another cluster node (review S6-R-4): the
waiting request ends with a 503 before the web context waits for its requests, so the context
is never removed with a request inside Jersey, and unloading does not wait out the forward."""
from __future__ import absolute_import

import json
import time

from java.net import URI
from java.net.http import HttpClient, HttpRequest, HttpResponse
from java.time import Duration

from sparkweb import config
from sparkweb.devhost import JettyWebServer
from sparkweb.http import app as web
from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.cluster.serving import ServingNodes
from sparkweb.openfire.memory_cluster import MemoryCluster
from sparkweb.plugin import SparkWeb
from jtest_plugin_lifecycle import LOADER, _in_thread, _serve
from support import wait_for


def test_unloading_ends_a_forwarded_request_before_the_context_goes():
    server, handlers, base = _serve()
    client = HttpClient.newHttpClient()
    rest = base + "/sparkweb/api/rest"
    cluster = MemoryCluster()
    home = MemoryOpenfire(u"example.test")       # node a: SparkWeb recorded as serving there,
    cluster.join(home, u"a")                     # but it does not answer (hung)
    ServingNodes(home).start()
    cluster.silence(u"a")
    here = MemoryOpenfire(u"example.test", JettyWebServer(handlers), [base])
    cluster.join(here, u"b")
    here.add_user(u"alice", u"alice-pw")
    here.set_property(config.CLUSTER_FORWARD_SECONDS.key, u"30")
    closes = []
    original_close = web.RequestGate.close

    def recording_close(gate, timeout_millis=10000):
        done = original_close(gate, timeout_millis)
        closes.append(done)
        return done
    web.RequestGate.close = recording_close
    plugin = None
    try:
        plugin = SparkWeb(here, LOADER).start()
        login = client.send(HttpRequest.newBuilder(URI(rest + "/login/alice")).POST(
            HttpRequest.BodyPublishers.ofString("alice-pw")).build(),
            HttpResponse.BodyHandlers.ofString())
        token = json.loads(login.body())["token"]
        plugin.services.sessions.end(u"alice")
        wait_for(lambda: plugin.services.sessions.get(u"alice") is None, "the session ended")
        cluster.place(u"alice", u"a")
        waiting, outcome = _in_thread(lambda: client.send(HttpRequest.newBuilder(
            URI(rest + "/user")).header("Authorization", "Bearer " + token).timeout(
            Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString()))
        wait_for(lambda: cluster.sent, "the request was not forwarded")
        started = time.time()
        plugin.stop()
        took = time.time() - started
        plugin = None
        waiting.join(40)
        response = outcome.get("value")
        assert closes == [True], (
            "the gate gave up with a forwarded request inside Jersey (close -> %r); stop took "
            "%.1f s" % (closes, took))
        assert response is not None and response.statusCode() == 503, outcome
        assert took < 5, "unloading took %.1f s" % took
    finally:
        web.RequestGate.close = original_close
        if plugin is not None:
            plugin.stop()
        server.stop()
        cluster.stop()
