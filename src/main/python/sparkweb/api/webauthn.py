"""Web Authentication (spec tag web_authentication): passkeys, under ``/webauthn``.

Registration: ``POST /webauthn/register/start/{username}`` with the user's current password as
the body (raw or JSON ``{"password"}``) or with that user's token in ``Authorization``; it
answers the options for ``navigator.credentials.create()``. ``POST
/webauthn/register/finish/{username}`` takes the new credential (``credential.toJSON()``, with an
optional ``"name"``) and adds it to the user's passkeys; existing ones are never touched.

Sign-in: ``POST /webauthn/authenticate/start/{username}`` answers the options for
``navigator.credentials.get()`` (limited per client address and per username, and alike for
every name, existing or not); ``POST /webauthn/authenticate/finish/{username}`` takes the
assertion and answers ``{"token", "username", "expires"}`` like ``/login``. Failed sign-ins count
towards the per-address limit of wrong passwords, never the per-user one (auth.ratelimit).

A signed-in user manages their own passkeys: ``GET /webauthn/credentials``,
``PUT /webauthn/credentials/{id}`` (``{"name"}``) and ``DELETE /webauthn/credentials/{id}``.
"""
from __future__ import absolute_import

from sparkweb.api.login import password_from_body, signed_in
from sparkweb.auth.credentials import token_from_header
from sparkweb.errors import Forbidden
from sparkweb.api.schemas import ref
from sparkweb.http.routing import NO_BODY, PUBLIC, USER, Body, Route


def register_start(request):
    username = request.params["username"]
    _authorise_registration(request, username)
    return request.app.passkeys.registration_options(username)


def _authorise_registration(request, username):
    """The user's own token, or their current password (rate-limited like a login)."""
    token = token_from_header(request.header("Authorization"))
    if token:
        claims = request.app.authenticator.authenticate(token)
        if claims.username != username:
            raise Forbidden("A token lets you register passkeys for your own account only.")
        return
    request.app.authenticator.check_password(username, password_from_body(request),
                                             request.client_address)


def register_finish(request):
    body = request.json_object()
    credential = body.get("credential", body)
    name = body.get("name") or request.query("name")
    record = request.app.passkeys.register(request.params["username"], credential, name)
    return _describe(record)


def authenticate_start(request):
    return request.app.passkeys.authentication_options(request.params["username"],
                                                       request.client_address)


def authenticate_finish(request):
    username = request.params["username"]
    credential = request.json_object()
    token, claims = request.app.authenticator.sign_in(
        username, request.client_address,
        lambda: request.app.passkeys.authenticate(username, credential))
    return signed_in(request, token, claims)


def list_credentials(request):
    return {"credentials": [_describe(record)
                            for record in request.app.passkeys.passkeys(request.user)]}


def rename_credential(request):
    body = request.json_object('JSON {"name": ...}')
    request.app.passkeys.rename(request.user, request.params["id"], body.get("name"))
    return {}


def delete_credential(request):
    request.app.passkeys.delete(request.user, request.params["id"])
    return {}


def _describe(record):
    """What a page may know of a passkey: never its public key or counter."""
    return {"id": record.credential_id, "name": record.name, "createdAt": record.created_at,
            "lastUsedAt": record.last_used_at, "transports": list(record.transports),
            "backedUp": record.backup_state}


_ACCOUNT = {"username": "The account the passkey belongs to (normalised like /login)."}
_PASSKEY_ID = {"id": "The passkey's credential id (base64url)."}

ROUTES = [
    Route("POST", "/webauthn/register/start/{username}", register_start,
          summary="Start registration", tag="web_authentication", access=PUBLIC,
          description="Authorised by the user's own token in Authorization, or else by their "
                      "current password as the body.",
          params=_ACCOUNT,
          body=Body("The user's current password, when no token is sent.", json=ref("Password"),
                    text="The raw password.", required=False),
          answers={200: ref("WebAuthnOptions"),
                   401: "Wrong password or token, unknown user (one answer).",
                   403: "The token is another user's.",
                   415: "A raw-password body while sparkweb.login.requireJson is set.",
                   429: "Too many registrations or failed logins; see Retry-After."}),
    Route("POST", "/webauthn/register/finish/{username}", register_finish,
          summary="Finish registration", tag="web_authentication", access=PUBLIC,
          params=dict(_ACCOUNT, name="A name for the new passkey (instead of the body's)."),
          body=Body("The new credential.", json=ref("PublicKeyCredential")),
          answers={200: ref("PasskeyCredential"),
                   400: "The credential is malformed or does not verify.",
                   401: "No pending registration for this credential, or it expired.",
                   409: "Already registered, or the user has the most passkeys allowed."}),
    Route("POST", "/webauthn/authenticate/start/{username}", authenticate_start,
          summary="Start authentication", tag="web_authentication", access=PUBLIC,
          params=_ACCOUNT, body=NO_BODY,
          answers={200: ref("WebAuthnOptions"),
                   429: "Too many sign-ins started from this address or for this name."}),
    Route("POST", "/webauthn/authenticate/finish/{username}", authenticate_finish,
          summary="End authentication", tag="web_authentication", access=PUBLIC,
          params=_ACCOUNT, body=Body("The assertion.", json=ref("PublicKeyCredential")),
          answers={200: ref("Token"), 400: "The assertion is malformed.",
                   401: "The sign-in failed or its challenge expired (one answer).",
                   429: "Too many failed sign-ins from this address; see Retry-After."}),
    Route("GET", "/webauthn/credentials", list_credentials,
          summary="List my passkeys", tag="web_authentication", access=USER,
          answers={200: ref("PasskeyCredentials")}),
    Route("PUT", "/webauthn/credentials/{id}", rename_credential,
          summary="Rename one of my passkeys", tag="web_authentication", access=USER,
          params=_PASSKEY_ID, body=Body("The new name.", json=ref("PasskeyName")),
          answers={200: ref("Empty"), 400: "The name is empty or too long.",
                   404: "You have no passkey with that id."}),
    Route("DELETE", "/webauthn/credentials/{id}", delete_credential,
          summary="Delete one of my passkeys", tag="web_authentication", access=USER,
          params=_PASSKEY_ID,
          answers={200: ref("Empty"), 404: "You have no passkey with that id."}),
]
