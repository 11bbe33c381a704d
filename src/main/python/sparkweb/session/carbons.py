"""Message Carbons (XEP-0280) for a SparkWeb session, so that it sees the whole of the user's
one-to-one conversations while the user also has other clients online (a phone, a desktop):

- a message to the user's bare JID reaches every carbons-enabled resource, whatever the
  priorities (Openfire's RoutingTableImpl), so SparkWeb never misses one to a phone;
- what another client of the user sends or receives arrives as a ``sent`` or ``received``
  copy, which ``events.catalogue`` turns into ``chatapi.chat`` events marked as such.

Openfire answers the enabling IQ at once, inside the send; the answer is taken by the
session's pending requests, so it never shows as an event. A server that refuses or does not
answer leaves the session without carbons, not without a session.
"""
from __future__ import absolute_import

from sparkweb.errors import ApiError
from sparkweb.log import logger
from sparkweb.secure_random import random_id
from sparkweb.xmpp import forwarding

LOG = logger("session")
# Openfire answers within the send; this only bounds a server that never does.
ANSWER_SECONDS = 5


def enable(xmpp, requests):
    """Enables carbons for the newly opened ``xmpp`` session (``requests``: the session's
    :class:`~sparkweb.session.requests.PendingRequests`); True when the server agreed."""
    request = forwarding.iq("set", random_id(), forwarding.EnableCarbons())
    try:
        answer = requests.send_and_wait(request, xmpp.send, ANSWER_SECONDS, xmpp.jid)
    except ApiError:
        LOG.warn("The XMPP server did not answer the Message Carbons request in time.")
        return False
    if answer.error is not None:
        LOG.warn("The XMPP server refused Message Carbons (%s)." % answer.error)
        return False
    return True
