"""Message Carbons (XEP-0280) for a SparkWeb session, so that it sees the whole of the user's
one-to-one conversations while the user also has other clients online (a phone, a desktop):

- a message to the user's bare JID reaches every carbons-enabled resource, whatever the
  priorities (Openfire's RoutingTableImpl), so SparkWeb never misses one to a phone;
- what another client of the user sends or receives arrives as a ``sent`` or ``received``
  copy, which ``events.catalogue`` turns into ``chatapi.chat`` events marked as such.

Openfire handles the enabling IQ at once; its answer is claimed by the session's pending
requests, so it never shows as an event.
"""
from __future__ import absolute_import

from java.util import UUID

from sparkweb.session.requests import PendingRequest
from sparkweb.xmpp import forwarding


def enable(xmpp, requests):
    """Sends the enabling IQ from the newly opened ``xmpp`` session."""
    request = requests.expect(PendingRequest(forwarding.iq(
        "set", UUID.randomUUID().toString(), forwarding.EnableCarbons())))
    xmpp.send(request.stanza)
    return request
