"""User Management (spec tag user_management): the signed-in user, under ``/user``.

``GET /user`` answers the spec's UserEntity for the caller: username, name, email and the user
properties that are not protected, plus ``vcard`` (``fullName``, ``nickname``, ``email``,
``photo`` as ``{"type", "data"}``). Never the password, never a secret property. Changing and
deleting the account: api/account.py.
"""
from __future__ import absolute_import

from sparkweb import user_properties
from sparkweb.errors import NotFound
from sparkweb.api.schemas import ref
from sparkweb.http.routing import USER, Route


def user_entity(app, username):
    user = app.openfire.get_user(username)
    if user is None:
        raise NotFound("No user with that username was found.")
    properties = app.openfire.get_user_properties(user.username)
    return {"username": user.username, "name": user.name, "email": user.email,
            "properties": user_properties.visible(app.settings, properties),
            "vcard": _vcard(app.openfire.get_vcard(user.username))}


def _vcard(fields):
    vcard = dict([(name, fields[name]) for name in ("fullName", "nickname", "email")
                  if name in fields])
    if fields.get("photo"):
        vcard["photo"] = {"type": fields.get("photoType") or u"image/png",
                          "data": fields["photo"]}
    return vcard


def get_user(request):
    return user_entity(request.app, request.user)


ROUTES = [
    Route("GET", "/user", get_user,
          summary="Get authenticated user", tag="user_management", access=USER,
          answers={200: ref("UserEntity"), 404: "No user with that username was found."}),
]
