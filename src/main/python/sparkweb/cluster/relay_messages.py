"""What travels between two cluster nodes for a relayed event stream (issue 17, item 3), on the
same ``ClusterMessage`` as forwarded requests.

The envelope is one line of UTF-8 text, ``relay <kind> <relay id> <number> <sender node>``, so
that the receiver tells a relay message from a forwarded request's JSON envelope by its first
bytes, and a batch of events needs no JSON work on either node. The relay id is the stream's
id (a UUID made where the stream was opened); node names are Openfire's node ids.

- ``open`` (the stream's node -> the home node), number 0; body: JSON ``{"user",
  "lastEventId", "raw", "greeting": [name, fields]}``.
- ``events`` (home -> the stream's node), number: the batch's, from 1 without gaps; body: the
  batch's frames, concatenated text/event-stream bytes as the home node's streams write them.
  An empty body is a keepalive.
- ``ack`` (the stream's node -> home): the stream took batch ``number``.
- ``close`` (either way): the relay ended at the sender; body none.
"""
from __future__ import absolute_import

from java.lang import String
from java.nio.charset import StandardCharsets

from sparkweb.json_input import JsonInputError, parse
from sparkweb.jsontext import to_json

OPEN = u"open"
EVENTS = u"events"
ACK = u"ack"
CLOSE = u"close"
KINDS = (OPEN, EVENTS, ACK, CLOSE)
_PREFIX = u"relay "
_PREFIX_BYTES = String(_PREFIX).getBytes(StandardCharsets.UTF_8)
# An envelope is short; a longer one is not ours.
_MAX_ENVELOPE = 512


class RelayMessageError(ValueError):
    """An envelope or open body that is not a well-formed relay message."""


class RelayMessage(object):
    __slots__ = ("kind", "relay", "number", "node", "body")

    def __init__(self, kind, relay, number, node, body=None):
        self.kind = kind
        self.relay = relay
        self.number = number
        self.node = node
        self.body = body


def is_relay(envelope):
    """Whether ``envelope`` (bytes) is a relay message's."""
    if envelope is None or len(envelope) < len(_PREFIX_BYTES):
        return False
    for index in range(len(_PREFIX_BYTES)):
        if envelope[index] != _PREFIX_BYTES[index]:
            return False
    return True


def encode(kind, relay, number, node, body=None):
    """(envelope, body) bytes of a relay message."""
    text = u"%s%s %s %d %s" % (_PREFIX, kind, relay, number, node)
    return String(text).getBytes(StandardCharsets.UTF_8), body


def decode(envelope, body):
    """The RelayMessage in (envelope, body); RelayMessageError when it is not one."""
    if not is_relay(envelope) or len(envelope) > _MAX_ENVELOPE:
        raise RelayMessageError("not a relay envelope")
    parts = unicode(String(envelope, StandardCharsets.UTF_8)).split(u" ")
    if len(parts) != 5 or parts[1] not in KINDS or not parts[3].isdigit() or \
            not parts[2] or not parts[4]:
        raise RelayMessageError("malformed relay envelope")
    return RelayMessage(parts[1], parts[2], int(parts[3]), parts[4], body)


def open_body(username, last_event_id, raw, greeting):
    fields = {"user": username, "lastEventId": last_event_id, "raw": bool(raw),
              "greeting": [greeting[0], greeting[1]]}
    return String(to_json(fields)).getBytes(StandardCharsets.UTF_8)


def read_open(body):
    """(username, last event id or None, raw, greeting) of an open message's body."""
    try:
        fields = parse(unicode(String(body, StandardCharsets.UTF_8)))
    except (JsonInputError, ValueError, TypeError):
        raise RelayMessageError("open: not JSON")
    if not isinstance(fields, dict):
        raise RelayMessageError("open: not an object")
    username, last, raw, greeting = (fields.get("user"), fields.get("lastEventId"),
                                     fields.get("raw"), fields.get("greeting"))
    if not isinstance(username, unicode) or not username or \
            not (last is None or isinstance(last, unicode)) or not isinstance(raw, bool) or \
            not (isinstance(greeting, list) and len(greeting) == 2 and
                 isinstance(greeting[0], unicode) and isinstance(greeting[1], dict)):
        raise RelayMessageError("open: fields")
    return username, last, raw, (greeting[0], greeting[1])
