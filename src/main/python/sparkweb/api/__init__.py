"""The REST API, one module per area of the spec; :data:`ROUTES` mounts them all.

Each module has a docstring (spec tag, URL prefix, who may call it), short handlers, and its
route table last.
"""
from __future__ import absolute_import

from sparkweb.api import (account, bookmarks, chat, collaboration, groupchat, groups, history,
                          login, presence, properties, roster, schemas, users, webauthn, webpush)

AREAS = (login, webauthn, users, account, groups, properties, chat, history, presence, roster,
         collaboration, bookmarks, groupchat, webpush)

ROUTES = [route for area in AREAS for route in area.ROUTES]

# The JSON Schemas routes refer to: the spec's and shared ones, and any an area keeps as MODELS.
MODELS = dict(schemas.MODELS)
for _area in AREAS:
    MODELS.update(getattr(_area, "MODELS", {}))
