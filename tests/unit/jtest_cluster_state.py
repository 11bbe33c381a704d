"""State every cluster node must share (issue 17, item 5), with two SparkWeb instances over
one store standing in for two nodes: a revocation made on one is refused on the other at once;
revocations made on both at the same moment all hold; a passkey challenge used on one is
refused on the other; a key rotated on one is followed on the other at once."""
from __future__ import absolute_import

import threading
import time

from java.lang import Thread
from java.util.concurrent import CountDownLatch, TimeUnit

from sparkweb.auth.passkeys.challenges import AUTHENTICATE, Challenges
from sparkweb.auth.passkeys.secret import Secret
from sparkweb.auth.revocation import RevocationList
from sparkweb.auth.tokens import Claims
from sparkweb.errors import Unauthorized
from sparkweb.openfire.memory_cluster import SharedMemoryCache
from sparkweb.plugin import SparkWeb
from sparkweb.secure_random import base64url, random_bytes
from support import Clock, openfire_with_users, raised, wait_for

REVOCATIONS_PER_NODE = 40


def _two_nodes():
    openfire = openfire_with_users()
    clock = Clock()
    seconds = lambda: clock() // 1000
    return RevocationList(openfire, seconds), RevocationList(openfire, seconds), clock


def _claims(number, clock):
    return Claims(u"alice", u"token-%d" % number, clock() // 1000 + 3600)


def test_a_revocation_on_one_node_is_refused_on_the_other_at_once():
    first, second, clock = _two_nodes()
    claims = _claims(1, clock)
    assert not second.is_revoked(claims), "a fresh token counted as revoked"
    first.revoke(claims)
    assert second.is_revoked(claims), "the other node still accepts the revoked token"


def test_revocations_on_two_nodes_at_the_same_moment_are_all_kept():
    first, second, clock = _two_nodes()
    start = CountDownLatch(1)
    failures = []

    def revoke(node, number):
        try:
            start.await(30, TimeUnit.SECONDS)
            node.revoke(_claims(number, clock))
        except Exception as error:   # reported below
            failures.append(repr(error))
    threads = [threading.Thread(target=revoke, args=(first if n % 2 else second, n))
               for n in range(2 * REVOCATIONS_PER_NODE)]
    for thread in threads:
        thread.start()
    start.countDown()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a revocation hung"
    assert not failures, failures
    for node in (first, second):
        lost = [n for n in range(2 * REVOCATIONS_PER_NODE)
                if not node.is_revoked(_claims(n, clock))]
        assert not lost, "revocations lost in the race: %r" % lost


def test_a_passkey_challenge_used_on_one_node_is_refused_on_the_other():
    secret, clock, shared = Secret(random_bytes(32)), Clock(), SharedMemoryCache()
    first, second = Challenges(secret, clock, shared=shared), Challenges(secret, clock,
                                                                         shared=shared)
    challenge = base64url(first.issue(u"alice", AUTHENTICATE, 60))
    assert second.is_valid(u"alice", AUTHENTICATE, challenge), \
        "a challenge issued on one node is not valid on the other"
    assert first.use(u"alice", AUTHENTICATE, challenge), "the first use was refused"
    assert not second.is_valid(u"alice", AUTHENTICATE, challenge), \
        "the other node still takes the used challenge as valid"
    assert not second.use(u"alice", AUTHENTICATE, challenge), \
        "the challenge was used a second time on the other node"


def test_a_key_rotated_on_one_node_is_followed_on_the_other_at_once_not_by_polling():
    openfire = openfire_with_users()
    loader = Thread.currentThread().getContextClassLoader()
    first = SparkWeb(openfire, loader).start()
    try:
        second = SparkWeb(openfire, loader).start()
        try:
            token, _ = second.services.authenticator.login(u"alice", u"alice-pw")
            vapid = second.services.webpush.keys.current.stored
            first.services.rotate_signing_key()
            first.services.rotate_vapid_key()
            started = time.time()
            wait_for(lambda: isinstance(raised(lambda: second.services.authenticator
                                               .authenticate(token)), Unauthorized),
                     "the other node still accepts a token of the old key", seconds=2)
            wait_for(lambda: second.services.webpush.keys.current.stored != vapid,
                     "the other node still signs pushes with the old VAPID key", seconds=2)
            assert time.time() - started < 2, "following took %.1f s" % (time.time() - started)
        finally:
            second.stop()
    finally:
        first.stop()


# --- cluster switches (review S6-R-6) --------------------------------------------------------
def _clustered_pair():
    """SparkWeb's services on nodes a and b of a MemoryCluster over one database (the users and
    properties of a), each following its node's cluster events."""
    from sparkweb.openfire.memory_cluster import MemoryCluster
    from support import services
    cluster = MemoryCluster()
    database = openfire_with_users()
    apps = {}
    for node in (u"a", u"b"):
        openfire = openfire_with_users()
        openfire._users, openfire._properties = database._users, database._properties
        cluster.join(openfire, node)
        apps[node] = services(openfire)
        apps[node].membership.start(openfire)
    return cluster, apps


def test_a_revocation_made_while_split_off_holds_on_every_node_after_the_rejoin():
    cluster, apps = _clustered_pair()
    try:
        claims = Claims(u"alice", u"token-split", 4102444800)
        assert not apps[u"a"].revocations.is_revoked(claims)   # the cluster caches alice's list
        cluster.split(u"b")
        apps[u"b"].revocations.revoke(claims)                  # signed out on b while cut off
        assert apps[u"b"].revocations.is_revoked(claims)
        cluster.rejoin(u"b")
        for node in (u"a", u"b"):    # the cache is cleared on SparkWeb's event thread (S8-R-5)
            wait_for(lambda: apps[node].revocations.is_revoked(claims),
                     "node %s accepts a token revoked on b while it was split off" % node,
                     seconds=2)
    finally:
        cluster.stop()


class _PutFails(object):
    """A shared cache whose next put raises, as a cluster hiccup would."""

    def __init__(self, cache):
        self._cache = cache
        self.fail_next_put = False

    def __getattr__(self, name):
        return getattr(self._cache, name)

    def put(self, key, value):
        if self.fail_next_put:
            self.fail_next_put = False
            raise RuntimeError("cluster hiccup")
        self._cache.put(key, value)


def test_a_revocation_whose_cache_write_fails_leaves_no_older_list_in_the_cache():
    openfire, clock, shared = openfire_with_users(), Clock(), SharedMemoryCache()
    flaky = _PutFails(shared)
    openfire.shared_cache = lambda name: flaky
    first = RevocationList(openfire, lambda: clock() // 1000)
    claims = _claims(7, clock)
    assert not first.is_revoked(claims)        # the (empty) list is cached now
    flaky.fail_next_put = True
    raised(lambda: first.revoke(claims))
    second = RevocationList(openfire, lambda: clock() // 1000)
    assert second.is_revoked(claims), "the older cached list hides the revocation"
