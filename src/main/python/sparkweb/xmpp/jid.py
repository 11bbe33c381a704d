"""JID parsing and validation with the rules of Openfire's own JID class, so that an address
Openfire would refuse (with an IllegalArgumentException deep in routing, a 500) is a 400 here.

Openfire's ``org.xmpp.packet.JID`` (Tinder) prepares each part with libidn: nodeprep for the
localpart, IDNA ToASCII then nameprep for the domain, resourceprep for the resource (RFC 3920
stringprep profiles: case folding, NFKC, and refusal of prohibited code points such as U+FFFF,
of bidi controls such as U+202E and of mixed-direction text), each at most 1023 bytes after
preparation. The same libidn does it here: Openfire's copy in the server, the same version from
Maven Central on the dev host. On top of that, this parser is stricter about structure than
Tinder's (no ``@`` or ``/`` in a domain, no empty parts), so that the JID it returns reads back
the same.
"""
from __future__ import absolute_import

from gnu.inet.encoding import IDNA, Stringprep
from java.lang import Exception as JavaException
from java.util.concurrent import ConcurrentHashMap

from sparkweb.errors import BadRequest

MAX_PART = 1023
# Preparing the parts with libidn was 17 % of the CPU samples of POST /chat/message in a JFR
# profile (the side-by-side benchmark), for the same few addresses again and again. The result
# depends on the text alone, so accepted JIDs are remembered (bounded: emptied when full).
_PARSED = ConcurrentHashMap()
PARSED_CACHE_SIZE = 4096


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


def _domainprep(domain):
    return Stringprep.nameprep(IDNA.toASCII(domain), False)


def _prepared(prep, text):
    """``text`` after ``prep`` (a libidn profile), or None when the profile refuses it, the
    result is empty or longer than 1023 bytes in UTF-8."""
    if not text:
        return None
    try:
        prepared = prep(text)
    except (JavaException, ValueError):   # StringprepException, IDNAException, ...
        return None
    if not prepared or len(prepared.encode("utf-8")) > MAX_PART:
        return None
    return prepared


def parse(text, default_domain=None):
    """A :class:`Jid` from ``text``, its parts prepared as Openfire prepares them; a bare
    username gets ``default_domain``. 400 if Openfire would not accept it."""
    if text is None:
        raise BadRequest("A JID is required.")
    key = u"%s\x00%s" % (default_domain or u"", text)
    known = _PARSED.get(key)
    if known is None:
        known = _parse(text, default_domain)
        if _PARSED.size() >= PARSED_CACHE_SIZE:
            _PARSED.clear()
        _PARSED.put(key, known)
    return Jid(known.node, known.domain, known.resource)   # a copy: callers own theirs


def _parse(text, default_domain):
    text = text.strip()
    rest, slash, resource = text.partition(u"/")
    node, at, domain = rest.rpartition(u"@")
    if not at:
        node, domain = (rest, default_domain) if default_domain else (u"", rest)
    if slash:
        resource = _prepared(Stringprep.resourceprep, resource)
    if at or default_domain:
        node = _prepared(Stringprep.nodeprep, node)
    if u"@" in domain or u"/" in domain or domain.startswith(u".") or domain.endswith(u"."):
        domain = None
    else:
        domain = _prepared(_domainprep, domain)
    if domain is None or (slash and resource is None) or ((at or default_domain) and node is None):
        raise BadRequest("Invalid JID: %s" % text[:100])
    return Jid(node or None, domain, resource if slash else None)
