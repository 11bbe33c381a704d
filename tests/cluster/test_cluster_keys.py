"""A signing key rotated on one node is followed by the other at once (issue 17, item 5): the
rotation reaches it as a property event, where it used to be noticed by a poll every 5 s."""
import time

from harness.openfire_admin import AdminConsole

FOLLOW_SECONDS = 1.5


def _status(node, token):
    with node.client(token) as client:
        return client.get("/user").status_code


def test_a_key_rotated_on_one_node_refuses_old_tokens_on_the_other_at_once(cluster, node1,
                                                                           node2):
    token = node2.login("alice")
    assert _status(node2, token) == 200, "the fresh token was refused"
    console = AdminConsole(cluster.nodes[0], cluster.nodes[0].admin_password)
    try:
        console.rotate_signing_key()
        rotated = time.time()
        assert _status(node1, token) == 401, "node 1, where it was rotated, took the old key"
        statuses = [_status(node2, token)]
        while statuses[-1] != 401 and time.time() - rotated < FOLLOW_SECONDS:
            time.sleep(0.1)
            statuses.append(_status(node2, token))
    finally:
        console.close()
    assert statuses[-1] == 401, "node 2 still took a token of the old key %.1f s after the " \
        "rotation: %r" % (FOLLOW_SECONDS, statuses)
    fresh = node2.login("alice")
    assert _status(node1, fresh) == 200, "a token of the new key is refused on node 1"
