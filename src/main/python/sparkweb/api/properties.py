"""Global and User Properties (spec tag global_and_user_properties), under ``/config``.

``GET /config/global``: what a signed-in page may know about this server: the XMPP domain, the
SparkWeb version, and the global properties an administrator published under
``sparkweb.client.``. No other global property is ever shown (they include secrets).
"""
from __future__ import absolute_import

from sparkweb import VERSION
from sparkweb.http.routing import Route

PUBLISHED_PREFIX = "sparkweb.client."


def get_global_config(request):
    openfire = request.app.openfire
    entries = [{"key": "xmpp.domain", "value": openfire.xmpp_domain()},
               {"key": "sparkweb.version", "value": VERSION}]
    published = [name for name in openfire.property_names() if name.startswith(PUBLISHED_PREFIX)]
    for name in sorted(published):
        entries.append({"key": name, "value": openfire.get_property(name)})
    return {"properties": entries}


ROUTES = [
    Route("GET", "/config/global", get_global_config),
]
