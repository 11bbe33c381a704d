"""What one node asks of a user's home node that is no REST route (issue 17), sent as a
forwarded call (cluster.forwarding) whose path starts with ``#``, which no route template does,
and which names only the user, as every forwarded call:

- :data:`SIGNED_OUT`: a token of the user was revoked on another node (a sign-out there:
  review S6-R-10). The home node holds the user's session and its local event streams: it
  closes the streams whose token no longer authenticates and ends the session when no stream
  is left on it (streams relayed from other nodes count: their tokens are checked there).
- :data:`REASSERT_ROUTE`: after a split, the other node ended its duplicate of the user's
  session, and Openfire's removal of that session's route removed the home's route with it
  (a route is one entry per full JID): the home node writes its route again and enters its
  rooms again, unless a third node holds the route by now: then its own session is the
  duplicate and ends (cluster.rejoin).
"""
from __future__ import absolute_import

SIGNED_OUT = u"#signed-out"
REASSERT_ROUTE = u"#reassert-route"


def end_unless_streaming(app, username):
    """After a token of ``username`` was revoked: closes this node's streams whose token no
    longer authenticates, and ends the session here unless another still-valid stream uses it,
    a local one or one relayed to another node (its token is checked there; review S7-R-2)."""
    app.streams.close_invalid(username)
    session = app.sessions.get(username)
    relayed = session is not None and session.relayed_stream_count() > 0
    if not app.streams.has_valid(username) and not relayed:
        app.sessions.end(username)


def reassert_route(app, username):
    """Writes this node's route for the user's session again, if the session lives here
    (cluster.rejoin Duplicates.reassert)."""
    app.duplicates.reassert(username)


def signed_out_elsewhere(app, username):
    """:data:`SIGNED_OUT` on the home node: the revoked token's streams here close; the session
    ends only when no stream at all is left on it, local or relayed from another node (a
    relayed stream's token is checked on its own node, cluster.relay)."""
    app.streams.close_invalid(username)
    session = app.sessions.get(username)
    if session is not None and session.stream_count() == 0:
        app.sessions.end(username)


OPERATIONS = {SIGNED_OUT: signed_out_elsewhere, REASSERT_ROUTE: reassert_route}


def run(app, call):
    """Runs the operation ``call`` names for its user; False when it names none."""
    operation = OPERATIONS.get(call.path)
    if operation is None or call.method != u"POST":
        return False
    operation(app, call.username)
    return True
