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
from sparkweb.errors import BadRequest, Conflict, NotFound
from sparkweb.http.routing import Route
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


ROUTES = [
    Route("GET", "/roster", get_roster),
    Route("POST", "/roster", create_roster_item),
    Route("PUT", "/roster/{jid}", update_roster_item),
    Route("DELETE", "/roster/{jid}", delete_roster_item),
    Route("POST", "/roster/{jid}/accept", accept_subscription),
    Route("POST", "/roster/{jid}/refuse", refuse_subscription),
]
