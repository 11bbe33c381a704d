"""Chat (spec tag chat), under ``/chat``: one-to-one messages and chat states, sent from the
signed-in user's XMPP session (started if needed). Replies arrive on the event stream.

``POST /chat/message/{to}``: the body is the message text, or JSON ``{"body": ..., "data":
<any JSON>, "type": "chat"|"normal"|"headline"}``; ``data`` travels as XEP-0335 JSON.
``POST /chat/chatstate/{state}/{to}``: ``state`` is a XEP-0085 chat state.
"""
from __future__ import absolute_import

from sparkweb.errors import BadRequest
from sparkweb.api.schemas import ref
from sparkweb.http.routing import NO_BODY, USER, Body, Param, Route
from sparkweb.jsontext import to_json
from sparkweb.secure_random import random_id
from sparkweb.xmpp import jid, stanza

SENDABLE_TYPES = ("chat", "normal", "headline")


def _recipient(request):
    return unicode(jid.parse(request.params["to"], request.app.openfire.xmpp_domain()))


def _message_fields(request):
    if not request.is_json():
        return request.text(), None, "chat"
    body = request.json_object('JSON {"body": ..., "data": ..., "type": ...}')
    text, data, kind = body.get("body"), body.get("data"), body.get("type", "chat")
    if text is not None and not isinstance(text, basestring):
        raise BadRequest("'body' must be a string.")
    if kind not in SENDABLE_TYPES:
        raise BadRequest("'type' must be one of %s." % ", ".join(SENDABLE_TYPES))
    if text is None and data is None:
        raise BadRequest("A message needs a 'body' or 'data'.")
    return text, (to_json(data) if data is not None else None), kind


def post_message(request):
    to = _recipient(request)
    text, data, kind = _message_fields(request)
    if data is None and not text:
        raise BadRequest("The message is empty.")
    message_id = random_id()
    message = stanza.message(to, body=text, type=kind, data=data, chat_state="active",
                             id=message_id)
    session = request.app.sessions.get_or_start(request.user)
    session.send(message)
    session.sent(message)        # the user's other tabs show it too
    return {"id": message_id, "to": to}


def post_chat_state(request):
    state = request.params["state"]
    if state not in stanza.CHAT_STATES:
        raise BadRequest("'%s' is not a chat state (%s)." % (state[:40], ", ".join(
            stanza.CHAT_STATES)))
    to = _recipient(request)
    request.app.sessions.get_or_start(request.user).send(stanza.message(to, chat_state=state))
    return {"to": to, "state": state}


_RECIPIENT = "The recipient: a username of this server or a JID."

ROUTES = [
    Route("POST", "/chat/message/{to}", post_message,
          summary="Post chat message", tag="chat", access=USER, params={"to": _RECIPIENT},
          body=Body("The message.", json=ref("ChatMessage"), text="The message text."),
          answers={200: ref("SentMessage"),
                   400: "The recipient is not a JID, or the message is empty or malformed.",
                   413: "The message is larger than sparkweb.chat.maxMessageBytes."}),
    Route("POST", "/chat/chatstate/{state}/{to}", post_chat_state,
          summary="Post chat state indicator", tag="chat", access=USER,
          params={"state": Param("A XEP-0085 chat state.",
                                 {"enum": list(stanza.CHAT_STATES)}),
                  "to": _RECIPIENT},
          body=NO_BODY,
          answers={200: ref("SentChatState"),
                   400: "Not a chat state, or the recipient is not a JID."}),
]
