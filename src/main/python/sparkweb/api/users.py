"""User Management (spec tag user_management): the signed-in user, under ``/user``.

``GET /user`` answers the spec's UserEntity for the caller: username, name, email and the user
properties that are not protected. Never the password, never a secret property.
"""
from __future__ import absolute_import

from sparkweb import user_properties
from sparkweb.errors import NotFound
from sparkweb.api.schemas import ref
from sparkweb.http.routing import USER, Route


def get_user(request):
    app = request.app
    user = app.openfire.get_user(request.user)
    if user is None:
        raise NotFound("No user with that username was found.")
    properties = app.openfire.get_user_properties(user.username)
    return {"username": user.username, "name": user.name, "email": user.email,
            "properties": user_properties.visible(app.settings, properties)}


ROUTES = [
    Route("GET", "/user", get_user,
          summary="Get authenticated user", tag="user_management", access=USER,
          answers={200: ref("UserEntity"), 404: "No user with that username was found."}),
]
