"""Valid requests of the test server, one or more per operation whose success generated data
cannot reach, added to schemathesis' examples phase (``before_add_examples``).

Generated data never makes a Web Push subscription (``p256dh`` must be a point on P-256,
``auth`` 16 bytes, the endpoint a host the server may reach), a passkey (a WebAuthn ceremony),
the run's user's password, a room the user is in, or an open event stream's id. These examples
do, with what only the test server has: the run's user and password, the push service of
harness.push_service and the web page of harness.web_fixture on their allow-listed loopback
addresses, the self-service group, a soft-webauthn authenticator. What an operation needs
first (a subscription to delete, a room to post to, a passkey to rename) is made here, through
the API, just before schemathesis sends the example; schemathesis checks the answer like any
other. OpenAPI's own examples (the route declarations) stay what a reader of the docs page
should see; nothing here changes the document.

Each maker takes the run (:class:`Run`) and the operation, and returns the cases to add.
"""
import base64
import os

import httpx

# tests/ is on the run's PYTHONPATH (test_schemathesis.run_schemathesis)
from harness.passkeys import Passkey, page_origin
from harness.push_service import PushService
from harness.sse import EventStream
from harness.web_fixture import WebFixture

ROOM = "schemathesis-room"
DEVICE = "schemathesis-device"
INVITEE = "alice"
PAGE = (b"<html><head><title>Fixture page</title>"
        b"<meta property='og:title' content='A page to preview'></head><body></body></html>")


class Run(object):
    """What the examples need of the run: its user, a token (through ``token``, the hooks'
    sign-in), a client, and the helpers they start once: a push service, a web page, an
    open event stream."""

    def __init__(self, token, password):
        self.rest = os.environ["SPARKWEB_ST_REST"]
        self.base_url = self.rest.split("/sparkweb/")[0]
        self.user = os.environ["SPARKWEB_ST_USER"]
        self.domain = os.environ["SPARKWEB_ST_DOMAIN"]
        self.group = os.environ["SPARKWEB_ST_GROUP"]
        self.token = token
        self.password = password
        self._push, self._web, self._stream, self._stream_id = None, None, None, None

    def call(self, method, path, **kwargs):
        headers = dict(kwargs.pop("headers", {}), Authorization="Bearer " + self.token())
        response = httpx.request(method, self.rest + path, headers=headers, timeout=30, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError("preparing an example: %s %s answered %s %s" % (
                method, path, response.status_code, response.text[:300]))
        return response

    def auth(self):
        return {"Authorization": "Bearer " + self.token()}

    def push_subscription(self, name):
        if self._push is None:
            self._push = PushService()
        return self._push.subscription(name).json()

    def page_url(self):
        if self._web is None:
            self._web = WebFixture()
            self._web.pages["/page"] = (200, [("Content-Type", "text/html")], PAGE)
        return self._web.url("/page")

    def open_stream(self):
        """The id of an event stream of the run's user that is open now (a new one when the
        last one ended, e.g. after the run signed out)."""
        if self._stream is None or self._stream.ended(0):
            self._stream = EventStream(self, self.token())
            self._stream_id = self._stream.next("onConnect").data["stream"]
        return self._stream_id

    def passkey(self):
        """A passkey registered for the run's user, and its id."""
        passkey = Passkey(page_origin(self))
        options = self.call("POST", "/webauthn/register/start/" + self.user).json()
        self.call("POST", "/webauthn/register/finish/" + self.user,
                  json={"credential": passkey.create(options), "name": "Fixture"})
        return passkey

    def join(self):
        self.call("PUT", "/groupchat/room/" + ROOM, json={"nick": self.user})


def b64url(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _with_password(run, op):
    """The sign-in and the start of a passkey registration: the user's current password."""
    return [op.Case(path_parameters={"username": run.user}, body=run.password(),
                    media_type="text/plain")]


def _register_finish(run, op):
    options = run.call("POST", "/webauthn/register/start/" + run.user).json()
    credential = Passkey(page_origin(run)).create(options)
    return [op.Case(path_parameters={"username": run.user},
                    body={"credential": credential, "name": "Laptop"},
                    media_type="application/json")]


def _authenticate_finish(run, op):
    passkey = run.passkey()
    options = httpx.post(run.rest + "/webauthn/authenticate/start/" + run.user,
                         timeout=30).json()
    return [op.Case(path_parameters={"username": run.user}, body=passkey.get(options),
                    media_type="application/json")]


def _rename_passkey(run, op):
    return [op.Case(path_parameters={"id": run.passkey().credential_id}, headers=run.auth(),
                    body={"name": "Renamed"}, media_type="application/json")]


def _delete_passkey(run, op):
    return [op.Case(path_parameters={"id": run.passkey().credential_id}, headers=run.auth())]


def _subscribe(run, op):
    return [op.Case(path_parameters={"resource": DEVICE}, headers=run.auth(),
                    body=run.push_subscription(DEVICE), media_type="application/json")]


def _unsubscribe(run, op):
    run.call("POST", "/webpush/subscribe/" + DEVICE, json=run.push_subscription(DEVICE))
    return [op.Case(path_parameters={"resource": DEVICE}, headers=run.auth())]


def _publish(run, op):
    run.call("POST", "/webpush/subscribe/" + DEVICE, json=run.push_subscription(DEVICE))
    return [op.Case(path_parameters={"target": run.user}, headers=run.auth(),
                    body={"title": "Fixture", "body": "A notification"},
                    media_type="application/json")]


def _visibility(run, op):
    return [op.Case(path_parameters={"stream": run.open_stream()}, headers=run.auth(),
                    body={"hidden": True}, media_type="application/json")]


def _presence(run, op):
    return [op.Case(path_parameters={"target": run.user}, headers=run.auth())]


def _preview(run, op):
    return [op.Case(path_parameters={"quality": "5", "url": b64url(run.page_url())},
                    headers=run.auth())]


def _upload(run, op):
    return [op.Case(path_parameters={"fileName": "notes.txt", "fileSize": "1024"},
                    query={"contentType": "text/plain"}, headers=run.auth())]


def _join_group(run, op):
    return [op.Case(path_parameters={"groupName": run.group}, headers=run.auth())]


def _leave_group(run, op):
    run.call("POST", "/user/groups/" + run.group)
    return [op.Case(path_parameters={"groupName": run.group}, headers=run.auth())]


def _delete_bookmark_property(run, op):
    room = "%s@conference.%s" % (ROOM, run.domain)
    run.call("POST", "/bookmark", json={"type": "group_chat", "name": "Fixture room",
                                        "value": room})
    run.call("POST", "/bookmark/%s/autojoin" % room, json="true")
    return [op.Case(path_parameters={"bookmarkID": room, "name": "autojoin"},
                    headers=run.auth())]


def _join_room(run, op):
    return [op.Case(path_parameters={"roomName": ROOM}, headers=run.auth(),
                    body={"nick": run.user}, media_type="application/json")]


def _in_room(make):
    def joined_first(run, op):
        run.join()
        return make(run, op)
    return joined_first


def _room_case(run, op):
    return [op.Case(path_parameters={"roomName": ROOM}, headers=run.auth())]


def _post_to_room(run, op):
    return [op.Case(path_parameters={"roomName": ROOM}, headers=run.auth(),
                    body={"body": "Hello, room!"}, media_type="application/json")]


def _invite(run, op):
    return [op.Case(path_parameters={"roomName": ROOM, "invitedJid": INVITEE},
                    headers=run.auth(), body={"reason": "Join us"},
                    media_type="application/json")]


def _room_archive(run, op):
    return [op.Case(query={"room": ROOM}, headers=run.auth())]


MAKERS = {
    "POST /login/{username}": _with_password,
    "POST /webauthn/register/start/{username}": _with_password,
    "POST /webauthn/register/finish/{username}": _register_finish,
    "POST /webauthn/authenticate/finish/{username}": _authenticate_finish,
    "PUT /webauthn/credentials/{id}": _rename_passkey,
    "DELETE /webauthn/credentials/{id}": _delete_passkey,
    "POST /webpush/subscribe/{resource}": _subscribe,
    "DELETE /webpush/subscribe/{resource}": _unsubscribe,
    "POST /webpush/publish/{target}": _publish,
    "PUT /webpush/visibility/{stream}": _visibility,
    "GET /presence/{target}": _presence,
    "GET /preview/{quality}/{url}": _preview,
    "GET /upload/{fileName}/{fileSize}": _upload,
    "POST /user/groups/{groupName}": _join_group,
    "DELETE /user/groups/{groupName}": _leave_group,
    "DELETE /bookmark/{bookmarkID}/{name}": _delete_bookmark_property,
    "PUT /groupchat/room/{roomName}": _join_room,
    "POST /groupchat/room/{roomName}": _in_room(_post_to_room),
    "POST /groupchat/room/{roomName}/{invitedJid}": _in_room(_invite),
    "GET /groupchat/room/{roomName}/occupants": _in_room(_room_case),
    "GET /groupchat/room/{roomName}/participants": _in_room(_room_case),
    "GET /groupchat/room/{roomName}/chathistory": _in_room(_room_case),
    "GET /groupchat/room/{roomName}": _in_room(_room_case),
    "DELETE /groupchat/room/{roomName}": _in_room(_room_case),
    "GET /groupchat/messages": _in_room(_room_archive),
}
