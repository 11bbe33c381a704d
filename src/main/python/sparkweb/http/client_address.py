"""The client's address: the connection's peer, or, when that peer is a configured trusted
proxy, the last address its X-Forwarded-For names. A header from anyone else is ignored, so
it cannot be used to dodge per-address limits."""
from __future__ import absolute_import

from sparkweb import config

ATTRIBUTE = "sparkweb.clientAddress"   # set by the front filter, read as a Jersey property


def client_address(servlet_request, settings):
    peer = servlet_request.getRemoteAddr()
    if peer not in settings.get(config.TRUSTED_PROXIES):
        return peer
    forwarded = servlet_request.getHeader("X-Forwarded-For") or u""
    hops = [hop.strip() for hop in forwarded.split(u",") if hop.strip()]
    return hops[-1] if hops else peer
