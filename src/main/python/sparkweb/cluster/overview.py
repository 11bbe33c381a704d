"""What the settings page shows of the cluster (issue 17, item 7): the nodes, the sessions this
node holds, its relayed event streams both ways, and the requests it forwarded and served."""
from __future__ import absolute_import


def cluster_overview(openfire, sessions, forwarding, relays):
    """A dict of plain values, read now; counts since SparkWeb started on this node."""
    relayed = relays.summary()
    counts = forwarding.counts
    return {"node": openfire.cluster_node(),
            "nodes": openfire.cluster_nodes(),
            "sessions": sessions.count(),
            "relays_out": relayed["out"],
            "relays_in": relayed["in"],
            "forwarded": counts["forwarded"].get(),
            "unanswered": counts["unanswered"].get(),
            "served": counts["served"].get()}
