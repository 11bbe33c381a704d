"""Global and User Properties (spec tag global_and_user_properties), under ``/config``.

``GET /config/global``: what a signed-in page may know about this server: the XMPP domain, the
SparkWeb version, and the global properties an administrator published under
``sparkweb.client.``. No other global property is ever shown (they include secrets).

``GET /config/properties``: the caller's own user properties, ``{"properties": [{"key",
"value"}]}``, protected ones left out. ``POST /config/properties``: a JSON array of
``{"name", "value"}`` pairs set on the caller (``null`` or ``""`` deletes); it answers like GET.
A protected name is 403 and nothing is written (see :mod:`sparkweb.user_properties`).
"""
from __future__ import absolute_import

from sparkweb import VERSION, user_properties
from sparkweb.api.schemas import array_of, obj, ref
from sparkweb.http.routing import USER, Body, Route

PUBLISHED_PREFIX = "sparkweb.client."


def get_global_config(request):
    openfire = request.app.openfire
    entries = [{"key": "xmpp.domain", "value": openfire.xmpp_domain()},
               {"key": "sparkweb.version", "value": VERSION}]
    published = [name for name in openfire.property_names() if name.startswith(PUBLISHED_PREFIX)]
    for name in sorted(published):
        entries.append({"key": name, "value": openfire.get_property(name)})
    return {"properties": entries}


def get_user_config(request):
    app = request.app
    return {"properties": user_properties.visible(
        app.settings, app.openfire.get_user_properties(request.user))}


def post_user_config(request):
    app = request.app
    changes = user_properties.parse_changes(request.json())
    return {"properties": user_properties.apply_changes(
        app.openfire, app.settings, request.user, changes)}


ROUTES = [
    Route("GET", "/config/global", get_global_config,
          summary="List global properties affecting this user",
          tag="global_and_user_properties", access=USER, answers={200: ref("Properties")}),
    Route("GET", "/config/properties", get_user_config,
          summary="List user properties", tag="global_and_user_properties", access=USER,
          answers={200: ref("Properties")}),
    Route("POST", "/config/properties", post_user_config,
          summary="Update user properties", tag="global_and_user_properties", access=USER,
          body=Body("The properties to set; a null or empty value deletes.", json={"oneOf": [
              array_of(ref("PropertyChange")), ref("PropertyChange"),
              obj({"properties": array_of(ref("PropertyChange"))}, ["properties"])]}),
          answers={200: ref("Properties"),
                   400: "A malformed name, value or pair, or more properties than "
                        "sparkweb.properties.maxPerUser; nothing is written.",
                   403: "A protected property name; nothing is written."}),
]
