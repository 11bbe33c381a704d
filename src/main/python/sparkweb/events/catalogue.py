"""Which SSE events a stanza becomes, and their JSON payloads.

Names are those of the earlier plugin's pages (DESIGN.md section 5); fields may be added,
never renamed. The full list is documented in docs/events.md.
"""
from __future__ import absolute_import

import base64

from java.time import Instant

from sparkweb.json_input import JsonInputError, parse
from sparkweb.xmpp.roster import SUBSCRIPTION_NUMBERS

CONNECT = "onConnect"
CHAT = "chatapi.chat"
PRESENCE = "chatapi.presence"
MUC = "chatapi.muc"
NOTIFY = "chatapi.notify"
RAW = "chatapi.xmpp"
ROSTER = "chatapi.roster"


def _now():
    return unicode(Instant.now().toString())


def data_fields(text):
    """``{"data": value}`` for the XEP-0335 JSON carried in a message. Any XMPP user can send
    one, so it goes through the input parser's limits; what it refuses (not JSON, too deep, a
    number beyond a double, ``NaN``) arrives as the text received with ``"dataIsText": true``
    rather than as invalid JSON or not at all."""
    if text is None:
        return {"data": None}
    try:
        return {"data": parse(text)}
    except JsonInputError:
        return {"data": text, "dataIsText": True}


def on_connect(user, heartbeat_seconds):
    """The first event of a stream; ``heartbeatSeconds`` lets a page tell a silent connection
    (no byte for a few heartbeats) from a quiet one."""
    return CONNECT, {"username": user.username, "name": user.name, "email": user.email,
                     "heartbeatSeconds": heartbeat_seconds}


# Who wrote a one-to-one message, as chatapi.chat and chatapi.notify events tell it: another
# user, the user in this session (REST, echoed to the user's other tabs), or the user on another
# client (a XEP-0280 "sent" carbon). docs/events.md explains them to page authors.
INCOMING = {"outgoing": False, "otherDevice": False}
SENT_HERE = {"outgoing": True, "otherDevice": False}
SENT_ELSEWHERE = {"outgoing": True, "otherDevice": True, "carbon": "sent"}
RECEIVED_ELSEWHERE = {"outgoing": False, "otherDevice": False, "carbon": "received"}


def for_stanza(stanza):
    """``[(event name, payload), ...]`` for one inbound stanza (raw event excluded)."""
    if stanza.kind == "presence":
        return [(PRESENCE, _presence(stanza))]
    if stanza.kind == "iq" and stanza.type == "set" and stanza.roster:
        return [(ROSTER, _roster_push(stanza))]
    if stanza.kind != "message" or stanza.archived is not None:
        return []
    if stanza.carbon is not None:
        return _carbon(stanza)
    if stanza.invite is not None:
        invite = dict(stanza.invite, type="invitation", to=stanza.recipient, timestamp=_now())
        return [(MUC, invite)]
    if stanza.type == "groupchat":
        return []     # rooms the session is in are session.muc's: this one is not a room's
    return _chat(stanza, INCOMING)


def for_sent(stanza):
    """The events of a message the user sent through this session, for the user's other tabs."""
    return _chat(stanza, SENT_HERE)


def _carbon(stanza):
    """A XEP-0280 copy. Only the user's own account may send one (its bare JID), else it is a
    forgery (XEP-0280 section 11) and shows nothing."""
    if stanza.sender is None or stanza.recipient is None or \
            stanza.sender != stanza.recipient.partition(u"/")[0]:
        return []
    copied = stanza.carbon.message
    if stanza.carbon.direction == "sent":
        return _chat(copied, SENT_ELSEWHERE)
    if copied.invite is not None or copied.type == "groupchat":
        return []       # carbons of invitations and room messages are not shown twice
    return _chat(copied, RECEIVED_ELSEWHERE)


def _chat(stanza, origin):
    events = []
    if stanza.body is not None:
        events.append((CHAT, _message(stanza, state=stanza.chat_state, **origin)))
    elif stanza.chat_state is not None:    # a standalone chat-state notification
        state = {"type": stanza.type or "normal", "from": stanza.sender,
                 "to": stanza.recipient, "state": stanza.chat_state, "timestamp": _now()}
        state.update(origin)
        events.append((CHAT, state))
    if stanza.body is None and stanza.data is not None:
        notify = {"from": stanza.sender, "to": stanza.recipient, "id": stanza.id,
                  "timestamp": _now()}
        notify.update(data_fields(stanza.data))
        notify.update(origin)
        events.append((NOTIFY, notify))
    return events


def raw(stanza):
    """The chatapi.xmpp event: the stanza as received, base64 encoded (UTF-8). The payload is
    a function, so the XML is only serialised if a stream asked for raw events."""
    if stanza.xml is None:
        return None
    return RAW, lambda: {"xmpp": base64.b64encode(stanza.get_xml().encode("utf-8"))}


def _message(stanza, **extra):
    payload = {"type": stanza.type or "normal", "from": stanza.sender, "to": stanza.recipient,
               "body": stanza.body, "id": stanza.id, "timestamp": _now()}
    payload.update(data_fields(stanza.data))
    payload.update(extra)
    return payload


def _presence(stanza):
    return {"type": stanza.type or "available", "show": stanza.show, "status": stanza.status,
            "from": stanza.sender, "to": stanza.recipient, "timestamp": _now()}


def _roster_push(stanza):
    """A roster push (RFC 6121 2.1.6): a contact added, changed or removed, by this session,
    another client of the user, or a subscription handshake."""
    return {"items": [{"jid": item.jid, "nickname": item.name, "groups": item.groups,
                       "subscription": item.subscription or "none",
                       "subscriptionType": SUBSCRIPTION_NUMBERS.get(item.subscription or "none", 0),
                       "ask": item.ask} for item in stanza.roster],
            "timestamp": _now()}
