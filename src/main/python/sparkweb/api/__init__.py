"""The REST API, one module per area of the spec; :data:`ROUTES` mounts them all.

Each module has a docstring (spec tag, URL prefix, who may call it), short handlers, and its
route table last.
"""
from __future__ import absolute_import

from sparkweb.api import (account, chat, collaboration, groups, login, presence, properties,
                          roster, users, webauthn, webpush)

AREAS = (login, webauthn, users, account, groups, properties, chat, presence, roster,
         collaboration, webpush)

ROUTES = [route for area in AREAS for route in area.ROUTES]
