"""Bounds of forwarding between cluster nodes (issue 17; review S6-R-3, S6-R-5, S6-R-7), on two
in-memory nodes: a call answered 503 at its origin never runs later on the home node, the
requests waiting on one node are bounded, and an answer completes only a request sent to the
node that answers."""
from __future__ import absolute_import

import threading
import time

from java.lang import String
from java.nio.charset import StandardCharsets
from java.util.concurrent import ConcurrentLinkedQueue, CountDownLatch, TimeUnit

from sparkweb import config
from sparkweb.cluster.messages import Answer, Call, encode_answer
from sparkweb.cluster import forwarding
from sparkweb.errors import ServiceUnavailable, TooManyRequests
from sparkweb.openfire.memory_cluster import MemoryCluster
from support import openfire_with_users, raised, services, wait_for


class Nodes(object):
    """Nodes "a" and "b" (and "c" when asked) with forwarding started, each serving calls with
    ``serve(node, call)``."""

    def __init__(self, serve, forward_seconds=2, threads=1, names=(u"a", u"b")):
        self.cluster = MemoryCluster()
        self.apps = {}
        self.undo = []
        for node in names:
            openfire = openfire_with_users()
            self.cluster.join(openfire, node)
            app = services(openfire)
            app.settings.set(config.CLUSTER_FORWARD_SECONDS, forward_seconds)
            app.settings.set(config.CLUSTER_FORWARD_THREADS, threads)
            self.undo.append(app.forwarding.start(lambda call, node=node: serve(node, call)))
            self.apps[node] = app

    def forward(self, origin, home, call_id, username=u"alice", path=u"/chat/message/{to}"):
        return self.apps[origin].forwarding.forward(home, Call(
            call_id, origin, username, u"POST", path, {u"to": u"bob"}))

    def close(self):
        for undo in self.undo:
            undo()
        self.cluster.stop()


def _a_call_gets_sent(nodes, origin, home, seconds=20):
    """Whether a new call from origin to home is sent within ``seconds``; one refused because
    the places were not given back yet is tried again (bounded)."""
    deadline = time.time() + seconds
    number = 0
    while time.time() < deadline:
        number += 1
        call_id = u"again-%d" % number
        _, outcome = _in_background(lambda: nodes.forward(origin, home, call_id))
        while time.time() < deadline and not outcome:
            if _was_sent(nodes, home, call_id):
                return True
            time.sleep(0.05)
        if _was_sent(nodes, home, call_id):
            return True
    return False


def _was_sent(nodes, home, call_id):
    return any(node == home and call_id in _text(envelope) + _text(body)
               for node, envelope, body in list(nodes.cluster.sent))


def _text(data):
    return u"" if data is None else unicode(String(data, StandardCharsets.UTF_8))


def _in_background(work):
    outcome = []     # the error it raised, or None
    thread = threading.Thread(target=lambda: outcome.append(raised(work)))
    thread.setDaemon(True)
    thread.start()
    return thread, outcome


def test_a_call_answered_503_at_its_origin_never_runs_later_on_the_home_node():
    release, slow_started = CountDownLatch(1), CountDownLatch(1)
    ran = ConcurrentLinkedQueue()

    def serve(node, call):
        if call.id == u"slow":
            slow_started.countDown()
            getattr(release, "await")(10, TimeUnit.SECONDS)
        ran.add(call.id)
        return Answer(200, u"{}", None, node)
    nodes = Nodes(serve)
    try:
        _in_background(lambda: nodes.forward(u"b", u"a", u"slow"))   # holds a's one thread
        assert getattr(slow_started, "await")(10, TimeUnit.SECONDS), "the first call never ran"
        error = raised(lambda: nodes.forward(u"b", u"a", u"queued"))
        assert isinstance(error, ServiceUnavailable), error
        release.countDown()
        wait_for(lambda: u"slow" in list(ran), "the first call did not finish")
        time.sleep(0.5)
        assert u"queued" not in list(ran), \
            "the call answered 503 at the origin (the browser retries it) ran on the home node"
    finally:
        release.countDown()
        nodes.close()


def test_a_queued_call_that_can_still_be_answered_in_time_runs():
    release, slow_started = CountDownLatch(1), CountDownLatch(1)
    ran = ConcurrentLinkedQueue()

    def serve(node, call):
        if call.id == u"slow":
            slow_started.countDown()
            getattr(release, "await")(10, TimeUnit.SECONDS)
        ran.add(call.id)
        return Answer(200, u"{}", None, node)
    nodes = Nodes(serve, forward_seconds=10)
    try:
        _in_background(lambda: nodes.forward(u"b", u"a", u"slow"))
        assert getattr(slow_started, "await")(10, TimeUnit.SECONDS), "the first call never ran"
        waiting, outcome = _in_background(lambda: nodes.forward(u"b", u"a", u"queued"))
        time.sleep(0.5)
        release.countDown()
        waiting.join(10)
        assert outcome == [None], "the queued call failed: %r" % list(outcome)
        assert list(ran) == [u"slow", u"queued"], list(ran)
    finally:
        release.countDown()
        nodes.close()


def test_requests_waiting_on_one_node_are_bounded_and_the_next_is_refused_at_once():
    nodes = Nodes(lambda node, call: Answer(200, u"{}", None, node), forward_seconds=3,
                  names=(u"a", u"b", u"c"))
    try:
        nodes.cluster.silence(u"a")   # SparkWeb on a serves, but calls to it are never answered
        limit = 2                 # twice sparkweb.cluster.forwardThreads (1)
        waiting = [_in_background(lambda n=n: nodes.forward(u"b", u"a", u"w%d" % n))
                   for n in range(limit)]
        wait_for(lambda: len(nodes.cluster.sent) == limit, "the calls were not sent")
        started = time.time()
        error = raised(lambda: nodes.forward(u"b", u"a", u"one-too-many"))
        took = time.time() - started
        assert isinstance(error, ServiceUnavailable), error
        assert took < 0.5, "the request over the bound waited %.1f s instead of a 503 at once" % (
            took)
        assert error.headers.get("Retry-After"), "no Retry-After"
        assert len(nodes.cluster.sent) == limit, "the request over the bound was sent"
        other = raised(lambda: nodes.forward(u"b", u"c", u"to-c"))
        assert other is None, "a request to another node was refused: %r" % other
        for thread, _ in waiting:
            thread.join(10)
        assert all(outcome and isinstance(outcome[0], ServiceUnavailable)
                   for _, outcome in waiting), [outcome for _, outcome in waiting]
        # their places are free again: a new call to a is sent (the count of all messages
        # sent is no measure: other cluster messages may be among them by then)
        assert _a_call_gets_sent(nodes, u"b", u"a"), "no place freed for a new call"
    finally:
        nodes.close()


def test_an_answer_completes_only_a_request_sent_to_the_node_that_answers():
    nodes = Nodes(lambda node, call: Answer(200, u"{}", None, node), forward_seconds=2,
                  names=(u"a", u"b", u"c"))
    try:
        nodes.cluster.silence(u"a")   # a never answers
        waiting, outcome = _in_background(lambda: nodes.forward(u"b", u"a", u"for-a"))
        wait_for(lambda: len(nodes.cluster.sent) == 1, "the call was not sent")
        forged = Answer(200, u'{"forged": true}', None, u"c", u"for-a")
        nodes.apps[u"b"].forwarding.receive(*encode_answer(forged))
        waiting.join(10)
        assert outcome and isinstance(outcome[0], ServiceUnavailable), \
            "node c's answer completed a request sent to node a: %r" % outcome
    finally:
        nodes.close()


def test_one_user_cannot_take_every_place_and_operations_never_wait_behind_requests():
    """Attack S8-A-3: one user's flood (or slow link previews) took all the places for the
    home node, and other users forwarded there, and sign-out notices, got 503."""
    nodes = Nodes(lambda node, call: Answer(200, u"{}", None, node), forward_seconds=3,
                  threads=16)
    try:
        nodes.cluster.silence(u"a")
        share = forwarding.PER_USER_WAITING
        flood = [_in_background(lambda n=n: nodes.forward(u"b", u"a", u"f%d" % n, u"carol"))
                 for n in range(share)]
        wait_for(lambda: len(nodes.cluster.sent) == share, "carol's calls were not sent")
        error = raised(lambda: nodes.forward(u"b", u"a", u"one-more", u"carol"))
        assert isinstance(error, TooManyRequests) and error.headers.get("Retry-After"), error
        others = [_in_background(lambda n=n: nodes.forward(u"b", u"a", u"o%d" % n, u"alice"))
                  for n in range(share)]
        operation = _in_background(lambda: nodes.forward(u"b", u"a", u"op", u"bob",
                                                         u"#signed-out"))
        wait_for(lambda: len(nodes.cluster.sent) == 2 * share + 1,
                 "alice's calls or the operation were refused while carol's waited: %d sent" %
                 len(nodes.cluster.sent))
        for thread, _ in flood + others + [operation]:
            thread.join(10)
    finally:
        nodes.close()
