"""The REST API, one module per area of the spec; :data:`ROUTES` mounts them all.

Each module has a docstring (spec tag, URL prefix, who may call it), short handlers, and its
route table last.
"""
from __future__ import absolute_import

from sparkweb.api import chat, login, presence, properties, users, webauthn, webpush

AREAS = (login, webauthn, users, properties, chat, presence, webpush)

ROUTES = [route for area in AREAS for route in area.ROUTES]
