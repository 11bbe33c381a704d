"""User Management (spec tag user_management): the signed-in user's own account and the user
directory. Self-service, so strict: nothing here reaches another account.

``PUT /user``: a partial update; absent members stay as they are. ``name``, ``email``,
``vcard`` (``fullName``, ``nickname``, ``email``, ``photo``: ``{"type": "image/png", "data":
base64}`` or null), and ``password`` with ``currentPassword``. No rename (a ``username`` other
than the caller's is 400), user properties are never touched (``properties`` is ignored: see
``/config/properties``). A new ``password`` and a new account ``email`` both need
``currentPassword``: the email is where password resets go, so changing it with a stolen token
alone would hand over the account. A wrong current password is 403 and counts as a failed
login. A new password ends every token of the account (and their event streams); the answer
carries a fresh one (``token``). Everything is checked before anything is written (including
the provider's required name and email), and a write failing midway undoes the earlier ones.
``DELETE /user``: only when ``sparkweb.account.deleteEnabled``; JSON ``{"password": ...}``
(the current one); never for an administrator. The account is deleted first; only then are
the session and the tokens ended, so a failed deletion leaves the user signed in (503).
``GET /users``: the directory, when ``sparkweb.directory.enabled``: ``search``, ``start``,
``limit`` (at most 100); usernames and names, emails only with ``sparkweb.directory.showEmail``.
Pages are in username order; a search considers at most the first 1000 matches of each field
(Openfire's provider cannot page a search in order): beyond them, refine the search.
"""
from __future__ import absolute_import

import re

from java.lang import IllegalArgumentException
from java.util import Base64

from sparkweb import config, images
from sparkweb.api import fields
from sparkweb.api.users import user_entity
from sparkweb.api.schemas import TEXT, array_of, nullable, obj, ref
from java.lang import Throwable

from sparkweb.errors import ApiError, BadRequest, Forbidden, PayloadTooLarge, \
    ServiceUnavailable, Unauthorized
from sparkweb.log import log_failure, logger
from sparkweb.http.routing import USER, Body, Param, Route

LOG = logger("account")
READ_ONLY = "Accounts on this server are managed elsewhere (a read-only user provider such as " \
            "LDAP): change this there."
PHOTO_TYPE = re.compile(r"\Aimage/[a-z0-9.+-]{1,60}\Z")
# Openfire decodes a vCard photo in full to publish it as an avatar (XEP-0398); a small file
# can claim a huge picture, so sides are limited before it gets there.
MAX_PHOTO_PIXELS = 1024 * 1024   # an avatar; Openfire shrinks it to 96 x 96 anyway
EMAIL = re.compile(u"\\A[^@\\s]+@[^@\\s]+\\Z")
MAX_PASSWORD = 1024


def _check_current_password(request, password):
    """The caller's current password, checked like a login (and counted by the same limits:
    a stolen token must not become a way to guess the password). Wrong: 403, not 401, so that
    a page does not take it for an expired token."""
    if not isinstance(password, basestring) or not password:
        raise BadRequest("'currentPassword' (the current password) is required.")
    try:
        request.app.authenticator.check_password(request.user, password, request.client_address)
    except Unauthorized:
        raise Forbidden("The current password is wrong.")


def _email(body, name):
    value = fields.text(body, name, None, max_length=100)
    if value and not EMAIL.match(value):
        raise BadRequest("'%s' is not an email address." % name)
    return value


def _photo(request, value):
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("type"), basestring) or \
            not PHOTO_TYPE.match(value["type"]) or not isinstance(value.get("data"), basestring):
        raise BadRequest("'photo' must be null or {\"type\": \"image/...\", \"data\": base64}.")
    try:
        raw = Base64.getDecoder().decode(value["data"])
    except IllegalArgumentException:
        raise BadRequest("'photo.data' is not base64.")
    limit = request.app.settings.get(config.ACCOUNT_PHOTO_MAX_BYTES)
    if len(raw) > limit:
        raise PayloadTooLarge("The photo is larger than %d bytes." % limit)
    _check_picture(raw)
    return value["type"], Base64.getEncoder().encodeToString(raw)


def _check_picture(raw):
    """A photo Openfire can decode (PNG, JPEG, GIF, BMP) at a bounded cost (see
    images.decoded_size)."""
    try:
        size = images.decoded_size(raw, MAX_PHOTO_PIXELS)
    except images.TooManyPixels:
        raise BadRequest("The photo may have at most 1024 x 1024 pixels.")
    if size is None:
        raise BadRequest("'photo.data' must be a PNG, JPEG, GIF or BMP picture.")


def _vcard_changes(request, body):
    vcard = body.get("vcard")
    if vcard is None:
        return {}
    if not isinstance(vcard, dict):
        raise BadRequest("'vcard' must be an object.")
    changes = {}
    for name in ("fullName", "nickname"):
        if name in vcard:
            changes[name] = fields.text(vcard, name, None)
    if "email" in vcard:
        changes["email"] = _email(vcard, "email")
    if "photo" in vcard:
        changes["photo"] = _photo(request, vcard["photo"])
    return changes


def _check_required(request, name, email):
    """The provider's required name and email (Openfire's setName/setEmail refuse to clear
    them), checked before anything is written."""
    required = request.app.openfire.account_requirements()
    for member, value in (("name", name), ("email", email)):
        if value is not None and not value.strip() and required[member]:
            raise BadRequest("This server requires a %s: '%s' cannot be empty." % (
                member, member))


def _email_changes(openfire, username, email):
    """A new account email (resending the current one, as a profile form does, is no change)."""
    if email is None:
        return False
    current = openfire.get_user(username)
    return current is None or email.lower() != (current.email or u"").lower()


def update_account(request):
    body = request.json_object('JSON {"name": ..., "email": ..., "vcard": {...}, ...}')
    if body.get("username", request.user) != request.user:
        raise BadRequest("An account cannot be renamed.")
    name = fields.text(body, "name", None, max_length=100)
    email = _email(body, "email")
    vcard = _vcard_changes(request, body)
    password = fields.text(body, "password", None, max_length=MAX_PASSWORD, empty=False)
    openfire = request.app.openfire
    read_only = openfire.read_only_stores()
    if ("users" in read_only and (name, email, password) != (None, None, None)) or \
            ("vcards" in read_only and vcard):
        raise Forbidden(READ_ONLY)
    _check_required(request, name, email)
    if password is not None or _email_changes(openfire, request.user, email):
        _check_current_password(request, body.get("currentPassword"))
    undo = []
    try:
        if (name, email) != (None, None):
            undo.append(_restore_user(openfire, request.user))
            openfire.update_user(request.user, name=name, email=email)
        if vcard:
            undo.append(_restore_vcard(openfire, request.user, vcard))
            openfire.set_vcard(request.user, vcard)
        fresh = _new_password(request, password) if password is not None else {}
    except (Exception, Throwable):
        _undo(reversed(undo), request.user)
        raise
    answer = user_entity(request.app, request.user)
    answer.update(fresh)
    return answer


def _restore_user(openfire, username):
    before = openfire.get_user(username)
    name, email = before.name or u"", before.email or u""    # the values, not the record
    return lambda: openfire.update_user(username, name=name, email=email)


def _restore_vcard(openfire, username, changes):
    before = openfire.get_vcard(username)
    restore = dict((name, before.get(name)) for name in changes if name != "photo")
    if "photo" in changes:
        restore["photo"] = (before.get("photoType") or u"image/png", before["photo"]) \
            if before.get("photo") else None
    return lambda: openfire.set_vcard(username, restore)


def _undo(steps, username):
    for step in steps:
        try:
            step()
        except (Exception, Throwable):
            log_failure(LOG, "Undoing a partial account change of %s failed" % username)


def _new_password(request, password):
    """Sets the password, then ends every token of the account even where Openfire's event
    did not (auth.accounts; calling it again is harmless), and checks that the new password
    works: Openfire's User.setPassword logs and swallows a failing store, so without the check
    a change that did not happen would answer 200. The caller, who has just proved the
    password, gets a fresh token."""
    app = request.app
    app.openfire.change_password(request.user, password)
    app.accounts.password_changed(request.user)
    if not app.openfire.authenticate(request.user, password):
        raise ServiceUnavailable("The password could not be changed (the server did not store "
                                 "it); the old one is still valid. Try again later.")
    token, claims = app.tokens.issue(request.user, app.accounts.id_for_sign_in(request.user))
    return {"token": token, "expires": claims.expires_at}


def delete_account(request):
    app = request.app
    if not app.settings.get(config.ACCOUNT_DELETE_ENABLED):
        raise Forbidden("Deleting one's own account is switched off on this server.")
    if app.openfire.is_admin(request.user):
        raise Forbidden("An administrator's account cannot be deleted through the API.")
    if "users" in app.openfire.read_only_stores():
        raise Forbidden(READ_ONLY)
    body = request.json_object('JSON {"password": "<the current password>"}')
    _check_current_password(request, body.get("password", body.get("currentPassword")))
    try:
        app.openfire.delete_account(request.user)   # its event ends every token of it
    except ApiError:
        raise
    except (Exception, Throwable):
        log_failure(LOG, "Deleting the account of %s failed" % request.user)
    if app.openfire.get_user(request.user) is not None:
        raise ServiceUnavailable("The account could not be deleted; it is unchanged and you "
                                 "are still signed in. Try again later.")
    app.accounts.user_deleting(request.user)   # in case no event came: no token works now
    app.sessions.end(request.user)
    return {}


def search_users(request):
    settings = request.app.settings
    if not settings.get(config.DIRECTORY_ENABLED):
        raise Forbidden("The user directory is switched off on this server.")
    if request.query("propertyKey") is not None or request.query("propertyValue") is not None:
        raise BadRequest("Users cannot be searched by their properties, which are private.")
    query = (request.query("search") or u"").strip()
    if len(query) > 100:
        raise BadRequest("'search' may have at most 100 characters.")
    start = fields.integer(request, "start", 0, 0, 10000)
    limit = fields.integer(request, "limit", 50, 1, 100)
    show_email = settings.get(config.DIRECTORY_SHOW_EMAIL)
    searched = ("username", "name", "email") if show_email else ("username", "name")
    users = request.app.openfire.search_users(query, searched, start, limit)
    return {"users": [_directory_entry(user, show_email) for user in users],
            "start": start, "limit": limit}


def _directory_entry(user, show_email):
    entry = {"username": user.username, "name": user.name}
    if show_email:
        entry["email"] = user.email
    return entry


_PHOTO = nullable("object", properties={"type": {"type": "string", "pattern": "^image/"},
                                        "data": {"type": "string", "contentEncoding": "base64"}},
                  required=["type", "data"])
MODELS = {
    "VCard": obj({"fullName": TEXT, "nickname": TEXT, "email": TEXT, "photo": _PHOTO}),
    "AccountChange": obj({
        "name": {"type": "string", "maxLength": 100}, "email": {"type": "string", "maxLength": 100},
        "vcard": ref("VCard"), "password": {"type": "string", "minLength": 1, "maxLength": 1024},
        "currentPassword": {"type": "string",
                            "description": "Needed with password and with email."},
        "username": {"type": "string", "description": "The caller's own, if given."}},
        examples=[{"name": "Alice Anders", "vcard": {"nickname": "Al"}}]),
    "Account": obj({"username": {"type": "string"}, "name": TEXT, "email": TEXT,
                    "properties": array_of(ref("UserProperty")), "vcard": ref("VCard"),
                    "token": {"type": "string", "description": "After a password change."},
                    "expires": {"type": "integer"}}, ["username"]),
    "DirectoryPage": obj({"users": array_of(obj({"username": {"type": "string"}, "name": TEXT,
                                                 "email": TEXT}, ["username"])),
                          "start": {"type": "integer"}, "limit": {"type": "integer"}},
                         ["users", "start", "limit"]),
}

ROUTES = [
    Route("PUT", "/user", update_account,
          summary="Update authenticated user", tag="user_management", access=USER,
          body=Body("What to change; absent members stay as they are.",
                    json=ref("AccountChange")),
          answers={200: ref("Account"),
                   400: "A member is malformed, the username is not the caller's, a required "
                        "name or email is empty, or a new password or email comes without "
                        "currentPassword.",
                   403: "The current password is wrong, or accounts (or vCards) are managed "
                        "elsewhere (a read-only provider such as LDAP).",
                   404: "No user with that username was found.",
                   413: "The photo is larger than sparkweb.account.maxPhotoBytes.",
                   429: "Too many failed password checks (the login limits).",
                   503: "The server did not store the new password; nothing was changed."}),
    Route("DELETE", "/user", delete_account,
          summary="Delete authenticated user", tag="user_management", access=USER,
          body=Body("The current password.", json=ref("Password")),
          answers={200: ref("Empty"),
                   403: "Deleting accounts is switched off, the caller is an administrator, "
                        "accounts are managed elsewhere, or the password is wrong.",
                   429: "Too many failed password checks (the login limits).",
                   503: "The account could not be deleted; it and its sign-in are unchanged."}),
    Route("GET", "/users", search_users,
          summary="Get users", tag="user_management", access=USER,
          params={"search": "Text to look for in usernames and names (and emails, where "
                            "shown); * is a wildcard. Empty: everybody.",
                  "start": Param("Index of the first user to answer.",
                                 {"type": "integer", "minimum": 0, "maximum": 10000}),
                  "limit": Param("Users per page.",
                                 {"type": "integer", "minimum": 1, "maximum": 100}),
                  "propertyKey": "Not offered (properties are private): 400.",
                  "propertyValue": "Not offered (properties are private): 400."},
          answers={200: ref("DirectoryPage"),
                   400: "A parameter is malformed, or properties were asked for.",
                   403: "The user directory is switched off (sparkweb.directory.enabled)."}),
]
