"""Presence (spec tag presence), under ``/presence``, for the signed-in user.

``POST /presence``: JSON ``{"show": "chat"|"away"|"xa"|"dnd"|"available", "status": text}``
(or the same as query parameters), broadcast from the user's session.
``GET /presence/{target}``: a user's presence, where Openfire lets the caller see it (400
otherwise, as the spec says, with the same answer whether or not the target exists); an
offline user reads ``{"type": "unavailable"}``.
``GET /presence/roster``: the caller's contacts with their presence.
"""
from __future__ import absolute_import

from sparkweb.errors import BadRequest
from sparkweb.api.schemas import ref
from sparkweb.http.routing import USER, Body, Param, Route
from sparkweb.xmpp import jid, stanza

AVAILABLE = ("", "available", "online")


def _presence_fields(request):
    fields = {}
    if request.is_json():
        fields = request.json_object('JSON {"show": ..., "status": ...}')
    show = fields.get("show", request.query("show")) or ""
    status = fields.get("status", request.query("status"))
    if not isinstance(show, basestring) or (show not in AVAILABLE and
                                            show not in stanza.SHOW_VALUES):
        raise BadRequest("'show' must be one of available, %s." % ", ".join(stanza.SHOW_VALUES))
    if status is not None and (not isinstance(status, basestring) or len(status) > 1024):
        raise BadRequest("'status' must be text of at most 1024 characters.")
    return (None if show in AVAILABLE else show), status


def post_presence(request):
    show, status = _presence_fields(request)
    request.app.sessions.get_or_start(request.user).send(stanza.presence(show=show, status=status))
    return {"show": show or "available", "status": status}


def _entity(username, presence):
    if presence is None:
        return {"username": username, "type": "unavailable", "show": None, "status": None}
    return {"username": username, "type": presence.type or "available", "show": presence.show,
            "status": presence.status}


def probe_presence(request):
    """One refusal for a target that does not exist and one the caller may not see, so that
    the answer tells nothing about which usernames exist."""
    openfire = request.app.openfire
    target = jid.parse(request.params["target"], openfire.xmpp_domain())
    if target.domain != openfire.xmpp_domain() or openfire.get_user(target.node) is None or \
            not openfire.can_probe(request.user, target.node):
        raise BadRequest("You are not permitted to see the presence of %s." % target.bare)
    return _entity(target.node, openfire.current_presence(target.node))


def get_roster_presence(request):
    openfire = request.app.openfire
    domain = openfire.xmpp_domain()
    roster = []
    for entry in openfire.roster(request.user):
        contact = jid.parse(entry.jid)
        presence = None
        if contact.domain == domain and openfire.can_probe(request.user, contact.node):
            presence = _entity(contact.node, openfire.current_presence(contact.node))
        roster.append({"jid": entry.jid, "nickname": entry.nickname, "groups": entry.groups,
                       "subscriptionType": entry.subscription,
                       "type": presence["type"] if presence else None,
                       "show": presence["show"] if presence else None,
                       "status": presence["status"] if presence else None})
    return {"roster": roster}


ROUTES = [
    Route("POST", "/presence", post_presence,
          summary="Set presence", tag="presence", access=USER,
          params={"show": Param("The presence to show (instead of the body's).",
                                {"enum": ["available"] + list(stanza.SHOW_VALUES)}),
                  "status": "A status text (instead of the body's)."},
          body=Body("The presence to broadcast.", json=ref("PresenceChange"), required=False),
          answers={200: ref("PresenceSet"), 400: "'show' or 'status' is not accepted.",
                   413: "The status is larger than sparkweb.chat.maxMessageBytes."}),
    Route("GET", "/presence/roster", get_roster_presence,
          summary="Get contacts presence", tag="presence", access=USER,
          answers={200: ref("RosterPresence")}),
    Route("GET", "/presence/{target}", probe_presence,
          summary="Probe a target user presence", tag="presence", access=USER,
          params={"target": "The user whose presence to read: a username or a bare JID."},
          answers={200: ref("UserPresence"),
                   400: "The caller may not see the target's presence, it does not exist, "
                        "or it is not a JID (one answer)."}),
]
