"""Input that becomes XMPP: JIDs prepared and refused as Openfire's JID class does, text XML
cannot carry refused, and hostile XEP-0335 data from other users delivered as valid JSON."""
from __future__ import absolute_import

from java.lang import IllegalArgumentException, Throwable

from sparkweb.errors import BadRequest
from sparkweb.events import catalogue
from sparkweb.json_input import parse as parse_json
from sparkweb.jsontext import to_json
from sparkweb.xmpp import jid, stanza
from support import openfire_with_users, services

DOMAIN = u"example.test"
# Refused by Openfire 5.1.1 with "IllegalArgumentException: Illegal JID" (issue 9.11), and more
# of the same kinds: bidi controls, non-characters, what NFKC maps to '@' or '/', controls,
# mixed-direction text, labels too long for IDNA, parts over 1023 bytes.
ILLEGAL = [u"bob@\u202e", u"b\uffffob", u"bob\uff20example.test", u"bob@exa\u202emple.test",
           u"bo\u200fb", u"bob@example.test/\ufffe", u"bo\x01b", u"b\ufe6bob",
           u"\u05d0a", u"bob@" + u"a" * 64 + u".test", u"x" * 1024, u"bob@example.test/" + u"\u00e9" * 600,
           u"bob@", u"@example.test", u"bob@example.test/", u"a@b@c", u"bob@.test", u"b ob",
           u"bob@exa mple.test", u"bo\"b", u"bob@example.test\ufeff/x\x00"]


def refused(text):
    try:
        result = jid.parse(text, DOMAIN)
    except BadRequest:
        return True
    except (Exception, Throwable) as error:
        raise AssertionError("%r raised %r instead of a 400" % (text, error))
    raise AssertionError("%r was accepted as %s" % (text, result))


def bad_request(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except BadRequest as error:
        return error.message
    raise AssertionError("accepted: %r %r" % (args, kwargs))


def test_jids_openfire_refuses_are_400():
    for text in ILLEGAL:
        assert refused(text), text


def test_jids_are_prepared_as_openfire_prepares_them():
    cases = {u"Bob": u"bob@example.test", u"BOB@Example.TEST/Phone": u"bob@example.test/Phone",
             u" bob ": u"bob@example.test", u"\uff42ob": u"bob@example.test",
             u"stra\u00dfe": u"strasse@example.test", u"caf\u00e9@ex\u00e4mple.test":
             u"caf\u00e9@xn--exmple-cua.test", u"bob@example.test/a@b/c": u"bob@example.test/a@b/c",
             u"j\\20doe": u"j\\20doe@example.test", u"\u05d0\u05d1": u"\u05d0\u05d1@example.test"}
    for text, expected in cases.items():
        assert unicode(jid.parse(text, DOMAIN)) == expected, "%r -> %s" % (text, jid.parse(text, DOMAIN))
    assert unicode(jid.parse(u"example.test")) == u"example.test", "a domain JID"


def test_memory_facade_refuses_illegal_jids_as_openfire_does():
    app = services(openfire_with_users())
    session = app.openfire.xmpp.open(u"alice", u"test", None)
    for text in (u"bob@\u202e", u"b\uffffob@example.test", u"bob\uff20example.test@example.test"):
        try:
            session.send(stanza.Stanza("message", type="chat", recipient=text, body=u"x"))
        except IllegalArgumentException:
            continue
        raise AssertionError("the in-memory facade routed to %r, which Openfire refuses" % text)


def test_text_xml_cannot_carry_is_refused_in_every_field():
    for text in (u"\x01", u"a\x1bb", u"\x00", u"\ufffe", u"\uffff", u"ok\x08", u"\x1f"):
        assert "XML" in bad_request(stanza.message, u"bob@example.test", body=text), repr(text)
        assert "status" in bad_request(stanza.presence, status=u"away" + text), repr(text)
        assert "data" in bad_request(stanza.message, u"bob@example.test", data=text), repr(text)
    assert "U+0001" in bad_request(stanza.message, u"b@example.test", body=u"\x01"), "names it"


def test_text_xml_carries_is_accepted():
    text = u"tab\t nl\n cr\r \x7f \u00e9 \ud7ff \ue000 \ufffd \U0001F600 \U0010FFFD <&>\"'"
    assert stanza.message(u"bob@example.test", body=text).body == text, "body changed"
    assert stanza.presence(status=text).status == text, "status changed"


def payloads(data):
    message = stanza.Stanza("message", type="chat", sender=u"eve@example.test/x",
                            recipient=u"alice@example.test/sparkweb", body=u"hi", data=data)
    notify = stanza.Stanza("message", type="chat", sender=u"eve@example.test/x",
                           recipient=u"alice@example.test/sparkweb", data=data)
    return [payload for _, payload in catalogue.for_stanza(message) + catalogue.for_stanza(notify)]


def test_hostile_xep0335_data_arrives_as_text_in_valid_json():
    for data in (u"[" * 50000, u'{"a":' * 50000, u"1e99999", u"NaN", u"[Infinity]",
                 u"9" * 200000, u'{"x": -1e400}', u"not json", u'"\\ud800"'):
        found = payloads(data)
        assert len(found) == 2, "%r...: message lost (%d events)" % (data[:20], len(found))
        for payload in found:
            text = to_json(payload)
            assert parse_json(text)["data"] == data, "%r...: not delivered as text" % data[:20]
            assert payload.get("dataIsText") is True, "%r...: no flag" % data[:20]


def test_acceptable_xep0335_data_arrives_parsed_without_flag():
    for payload in payloads(u'{"n": [1, 2.5, true, null], "s": "\u00e9"}'):
        assert payload["data"] == {u"n": [1, 2.5, True, None], u"s": u"\u00e9"}, payload
        assert "dataIsText" not in payload, payload
