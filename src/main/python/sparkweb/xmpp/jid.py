"""JID parsing and validation (RFC 7622), strict enough that a bad address from a URL is a
400 here rather than an exception deep in Openfire."""
from __future__ import absolute_import

from sparkweb.errors import BadRequest

MAX_PART = 1023
# Characters RFC 7622 forbids in a localpart.
NODE_FORBIDDEN = set(u'"&\'/:<>@')


class Jid(object):
    def __init__(self, node, domain, resource=None):
        self.node = node
        self.domain = domain
        self.resource = resource

    @property
    def bare(self):
        return u"%s@%s" % (self.node, self.domain) if self.node else self.domain

    def __unicode__(self):
        return self.bare + (u"/" + self.resource if self.resource else u"")

    __str__ = __unicode__

    def __eq__(self, other):
        return isinstance(other, Jid) and unicode(self) == unicode(other)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(unicode(self))


def _valid_part(text, forbidden=()):
    if not text or len(text.encode("utf-8")) > MAX_PART:
        return False
    for char in text:
        if char.isspace() or ord(char) < 0x20 or char in forbidden:
            return False
    return True


def parse(text, default_domain=None):
    """A :class:`Jid` from ``text``; a bare username gets ``default_domain``. 400 if invalid."""
    if text is None:
        raise BadRequest("A JID is required.")
    text = text.strip()
    rest, slash, resource = text.partition(u"/")
    node, at, domain = rest.rpartition(u"@")
    if not at:
        node, domain = (rest, default_domain) if default_domain else (u"", rest)
    if slash and not _valid_part(resource):
        raise BadRequest("Invalid JID: %s" % text[:100])
    if (at or default_domain) and not _valid_part(node, NODE_FORBIDDEN):
        raise BadRequest("Invalid JID: %s" % text[:100])
    if not domain or not _valid_part(domain, u"@/") or domain.startswith(u".") \
            or domain.endswith(u"."):
        raise BadRequest("Invalid JID: %s" % text[:100])
    return Jid(node.lower() or None, domain.lower(), resource if slash else None)
