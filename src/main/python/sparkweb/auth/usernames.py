"""Usernames as Openfire means them: one spelling per account.

Openfire finds a user by a trimmed, lower-cased name (``UserManager.getUser``), strips its own
``@domain`` before checking a password (``DefaultAuthProvider``), and stores names with XMPP
node escaping (``JID.escapeNode``: ``a b`` is the user ``a\\20b``). Its lock-out, on the other
hand, compares names exactly, so ``ALICE`` was not locked out when ``alice`` was. SparkWeb
therefore turns a username from a URL into that one spelling ONCE, where the request enters
(see ``http.routing``), before the lock-out check, the failed-login limits, the token subject,
the passkey look-up or the session see it. Escaping is not idempotent (``\\40`` escapes to
``\\5c40``), so nothing may normalise a name twice.
"""
from __future__ import absolute_import

from java.lang import Character, String as JavaString

# What JID.escapeNode (XEP-0106) replaces; whitespace becomes \20 too.
_ESCAPES = {u'"': u"\\22", u"&": u"\\26", u"'": u"\\27", u"/": u"\\2f", u":": u"\\3a",
            u"<": u"\\3c", u">": u"\\3e", u"@": u"\\40"}
# A backslash is escaped (\5c) only where it would otherwise read as one of these sequences.
_SEQUENCES = {u"20": u" ", u"22": u'"', u"26": u"&", u"27": u"'", u"2f": u"/", u"3a": u":",
              u"3c": u"<", u"3e": u">", u"40": u"@", u"5c": u"\\"}


def normalize(text, domain):
    """The account name ``text`` means on the server of ``domain``: trimmed and lower-cased
    as Java does (Openfire's own calls), ``@domain`` removed, then node-escaped."""
    if text is None:
        return u""
    name = _java_lower(JavaString.trim(text))
    suffix = u"@" + _java_lower(domain or u"")
    if domain and name.endswith(suffix):
        name = name[:-len(suffix)]
    return escape_node(name)


def is_normal(name):
    """True when ``name`` is a spelling :func:`normalize` can produce (a token's subject must
    be one): trimmed, lower-case, and escaped."""
    if not name:
        return False
    return (JavaString.trim(name) == name and _java_lower(name) == name
            and escape_node(unescape_node(name)) == name)


def _java_lower(text):
    """Lower case as Openfire's ``String.toLowerCase()`` makes it (the server's locale)."""
    return unicode(JavaString.toLowerCase(text))


def escape_node(node):
    """XMPP node escaping exactly as Openfire's ``org.xmpp.packet.JID.escapeNode``."""
    out = []
    for index, char in enumerate(node):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char == u"\\":
            out.append(u"\\5c" if node[index + 1:index + 3] in _SEQUENCES else char)
        elif Character.isWhitespace(ord(char)):
            out.append(u"\\20")
        else:
            out.append(char)
    return u"".join(out)


def unescape_node(node):
    """The inverse of :func:`escape_node` (``JID.unescapeNode``)."""
    out = []
    index = 0
    while index < len(node):
        sequence = node[index + 1:index + 3] if node[index] == u"\\" else None
        if sequence in _SEQUENCES and len(sequence) == 2:
            out.append(_SEQUENCES[sequence])
            index += 3
        else:
            out.append(node[index])
            index += 1
    return u"".join(out)
