"""Contact Management (spec tag contact_management): the signed-in user's roster, under
``/roster``.

Every change is a roster set (RFC 6121 2.3-2.5) or a presence subscription stanza sent by the
user's own XMPP session, exactly as one of their XMPP clients would: Openfire applies its rules
and pushes the change to every other client of the user (``chatapi.roster`` on the stream).
A page therefore cannot force a subscription: ``subscriptionType`` in a body is ignored, and
``"subscribe": true`` asks the contact, who accepts or refuses from any client.

``GET /roster``: ``{"roster": [RosterItemEntity + "subscription", "shared"]}``.
``POST /roster``: ``{"jid", "nickname", "groups": [...], "subscribe": false}``; 409 for a
contact already there; 400 for a shared group named in ``groups``.
``PUT /roster/{jid}``: ``nickname``/``groups`` (absent: unchanged), ``"subscribe": true``; 404
when missing. ``DELETE /roster/{jid}``: 404 when missing. Contacts from Openfire's shared
groups are ``"shared": true``; changing or removing one is 400.
``POST /roster/{jid}/accept`` and ``POST /roster/{jid}/refuse`` answer a subscription request
(a ``chatapi.presence`` event of type ``subscribe``).
"""
from __future__ import absolute_import

from sparkweb.api import fields
from sparkweb.api.schemas import NAMES, TEXT, array_of, obj, ref
from sparkweb.errors import BadRequest, Conflict, NotFound
from sparkweb.http.routing import NO_BODY, USER, Body, Route
from sparkweb.xmpp import jid as jids
from sparkweb.xmpp import roster

SHARED_MESSAGE = "Contacts of a shared group cannot be changed or removed, and no contact " \
                 "can be put in a shared group."
# Openfire's answers to a roster set, as API errors (RFC 6121 2.3.3, 2.5.3).
ERRORS = {u"not-acceptable": (BadRequest, SHARED_MESSAGE),
          u"item-not-found": (NotFound, "The roster does not contain this contact."),
          u"bad-request": (BadRequest, "The server refused the roster change as malformed."),
          u"jid-malformed": (BadRequest, "The server refused the contact's address.")}


def _entity(entry):
    return {"jid": entry.jid, "nickname": entry.nickname, "groups": entry.groups,
            "subscriptionType": entry.subscription,
            "subscription": _SUBSCRIPTION_NAMES.get(entry.subscription, "none"),
            "shared": bool(entry.shared)}


_SUBSCRIPTION_NAMES = dict((number, name) for name, number in
                           roster.SUBSCRIPTION_NUMBERS.items())


def _contact(request, text):
    """The bare JID of a contact from a path or body; never the caller."""
    domain = request.app.openfire.xmpp_domain()
    contact = jids.parse(text, domain)
    if contact.resource is not None or not contact.node:
        raise BadRequest("A contact is a bare JID (user@domain) or a username.")
    if contact.bare == u"%s@%s" % (request.user, domain):
        raise BadRequest("You cannot be your own contact.")
    return contact.bare


def _find(request, contact):
    for entry in request.app.openfire.roster(request.user):
        if entry.jid == contact:
            return entry
    return None


def _apply(request, iq):
    """Sends a roster set from the caller's session; raises what the server refused."""
    answer = request.app.sessions.get_or_start(request.user).request(iq)
    if answer.error is not None:
        error, message = ERRORS.get(answer.error, (BadRequest, "The server refused the change "
                                                   "(%s)." % answer.error))
        raise error(message)


def get_roster(request):
    return {"roster": [_entity(entry) for entry in request.app.openfire.roster(request.user)]}


def _item_fields(request, current=None):
    body = request.json_object('JSON {"jid": ..., "nickname": ..., "groups": [...]}')
    nickname = fields.text(body, "nickname", current.nickname if current else u"")
    groups = fields.names(body, "groups", current.groups if current else [])
    return body, nickname, groups


def create_roster_item(request):
    body = request.json_object('JSON {"jid": ..., "nickname": ..., "groups": [...]}')
    contact = _contact(request, fields.text(body, "jid", empty=False))
    _, nickname, groups = _item_fields(request)
    subscribe = fields.flag(body, "subscribe")
    if _find(request, contact) is not None:
        raise Conflict("The roster already contains %s." % contact)
    _apply(request, roster.roster_set(contact, nickname, groups))
    if subscribe:
        request.app.sessions.get_or_start(request.user).send(
            roster.subscription(contact, "request"))
    return _entity(_find(request, contact))


def _existing(request):
    contact = _contact(request, request.params["jid"])
    entry = _find(request, contact)
    if entry is None:
        raise NotFound("The roster does not contain %s." % contact)
    if entry.shared:
        raise BadRequest(SHARED_MESSAGE)
    return contact, entry


def update_roster_item(request):
    contact, entry = _existing(request)
    body, nickname, groups = _item_fields(request, entry)
    named = fields.text(body, "jid", None)
    if named is not None and _contact(request, named) != contact:
        raise BadRequest("The JID of a contact cannot be changed; add the new one instead.")
    subscribe = fields.flag(body, "subscribe")
    _apply(request, roster.roster_set(contact, nickname, groups))
    if subscribe:
        request.app.sessions.get_or_start(request.user).send(
            roster.subscription(contact, "request"))
    return _entity(_find(request, contact) or entry)


def delete_roster_item(request):
    contact, _ = _existing(request)
    _apply(request, roster.roster_remove(contact))
    return {}


def _answer(request, answer):
    contact = _contact(request, request.params["jid"])
    request.app.sessions.get_or_start(request.user).send(roster.subscription(contact, answer))
    return {"jid": contact, "answer": answer}


def accept_subscription(request):
    return _answer(request, "accept")


def refuse_subscription(request):
    return _answer(request, "refuse")


_ITEM_FIELDS = {"nickname": {"type": "string", "maxLength": 1023},
                "groups": array_of({"type": "string", "minLength": 1, "maxLength": 1023},
                                   maxItems=100, uniqueItems=True),
                "subscribe": {"type": "boolean", "description": "Also ask the contact to share "
                                                                "their presence (subscribe)."}}
MODELS = {
    "RosterContact": obj({"jid": {"type": "string"}, "nickname": TEXT, "groups": NAMES,
                          "subscriptionType": {"type": "integer"},
                          "subscription": {"enum": ["none", "to", "from", "both"]},
                          "shared": {"type": "boolean"}},
                         ["jid", "subscription", "shared"],
                         examples=[{"jid": "bob@example.org", "nickname": "Bob",
                                    "groups": ["Friends"], "subscriptionType": 3,
                                    "subscription": "both", "shared": False}]),
    "RosterContacts": obj({"roster": array_of(ref("RosterContact"))}, ["roster"]),
    "NewRosterItem": obj(dict(_ITEM_FIELDS, jid={"type": "string", "minLength": 1}), ["jid"],
                         examples=[{"jid": "bob@example.org", "nickname": "Bob",
                                    "groups": ["Friends"], "subscribe": True}]),
    "RosterItemChange": obj(dict(_ITEM_FIELDS, jid={"type": "string"}),
                            examples=[{"nickname": "Bobby"}]),
    "SubscriptionAnswer": obj({"jid": {"type": "string"}, "answer": {"type": "string"}},
                              ["jid", "answer"]),
}
_JID = {"jid": "The contact: a bare JID, or a username of this server."}
_SHARED_400 = "The JID is not a bare JID, is the caller's own, or the contact comes from a " \
              "shared group (which cannot be changed or removed)."

ROUTES = [
    Route("GET", "/roster", get_roster,
          summary="Retrieve user roster", tag="contact_management", access=USER,
          answers={200: ref("RosterContacts")}),
    Route("POST", "/roster", create_roster_item,
          summary="Create roster entry", tag="contact_management", access=USER,
          body=Body("The new contact; subscriptionType is ignored (subscriptions are asked "
                    "for with subscribe, and granted by the contact).", json=ref("NewRosterItem")),
          answers={200: ref("RosterContact"),
                   400: "A field is malformed, the JID is the caller's own or not bare, or a "
                        "group named is a shared group.",
                   409: "The roster already contains this contact.",
                   503: "Openfire did not answer the roster change in time."}),
    Route("PUT", "/roster/{jid}", update_roster_item,
          summary="Update roster entry", tag="contact_management", access=USER, params=_JID,
          body=Body("Fields to change; absent ones stay as they are.",
                    json=ref("RosterItemChange")),
          answers={200: ref("RosterContact"), 400: _SHARED_400,
                   404: "The roster does not contain this contact.",
                   503: "Openfire did not answer the roster change in time."}),
    Route("DELETE", "/roster/{jid}", delete_roster_item,
          summary="Remove roster entry", tag="contact_management", access=USER, params=_JID,
          answers={200: ref("Empty"), 400: _SHARED_400,
                   404: "The roster does not contain this contact.",
                   503: "Openfire did not answer the roster change in time."}),
    Route("POST", "/roster/{jid}/accept", accept_subscription,
          summary="Accept a presence subscription request", tag="contact_management",
          access=USER, params=_JID, body=NO_BODY,
          answers={200: ref("SubscriptionAnswer"), 400: "The JID is not a bare JID."}),
    Route("POST", "/roster/{jid}/refuse", refuse_subscription,
          summary="Refuse a presence subscription request (or stop sharing presence)",
          tag="contact_management", access=USER, params=_JID, body=NO_BODY,
          answers={200: ref("SubscriptionAnswer"), 400: "The JID is not a bare JID."}),
]
