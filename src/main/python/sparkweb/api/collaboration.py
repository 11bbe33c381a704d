"""Collaboration (spec tag collaboration): link previews and HTTP upload slots, for the
signed-in user.

``GET /preview/{quality}/{url}``: ``url`` is the page's address in base64url (RFC 4648
section 5, padding optional), because web servers (Openfire's Jetty among them) refuse an
encoded ``/`` (``%2F``) in a path; a percent-encoded URL is taken too where the web server lets
it through. ``quality`` (1-9) picks the preview image by size (see
:mod:`sparkweb.outbound.metadata`). Pages are fetched through the guarded outbound client
(docs/outbound.md) and cached for everyone; 404 when an administrator turned previews off.

``GET /upload/{fileName}/{fileSize}`` (``?contentType=``): a XEP-0363 slot from the server's
HTTP upload service, asked for through the user's own XMPP session; the page PUTs the file to
``putUrl`` with ``headers`` and shares ``getUrl``.
"""
from __future__ import absolute_import

import base64
import re

from sparkweb.api.fields import is_number
from sparkweb.api.schemas import TEXT, obj
from sparkweb.errors import BadRequest
from sparkweb.http.routing import USER, Param, Route
from sparkweb.session import upload, upload_origin

QUALITIES = range(1, 10)
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def page_url(text):
    """The URL a preview request names: base64url, or (where the web server passed it) the
    URL itself. A URL always has a ':' after its scheme, which base64url never contains."""
    if ":" in text or not BASE64URL.match(text):
        return text
    data = str(text.rstrip("="))
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8")
    except (TypeError, ValueError):
        raise BadRequest("'url' is neither a URL nor base64url of one.")


def get_preview(request):
    quality = request.params["quality"]
    if not is_number(quality) or int(quality) not in QUALITIES:
        raise BadRequest("'quality' must be a number from 1 to 9.")
    return request.app.previews.preview(request.user, page_url(request.params["url"]),
                                        int(quality))


def get_upload_slot(request):
    size = request.params["fileSize"]
    if not is_number(size) or len(size) > 15 or int(size) <= 0:
        raise BadRequest("'fileSize' must be a positive number of bytes.")
    request.app.upload_limits.take(request.user)
    session = request.app.sessions.get_or_start(request.user)
    slot = upload.request_slot(request.app.uploads, session, request.params["fileName"],
                               int(size), request.query("contentType"))
    return upload_origin.check_slot(slot, request.app.settings, request.app.openfire,
                                    request.header("Host"))


MODELS = {
    "LinkPreview": obj({"url": {"type": "string"}, "title": TEXT, "description": TEXT,
                        "image": TEXT, "siteName": TEXT, "type": {"type": "string"}},
                       required=("url", "title", "description", "image", "siteName", "type"),
                       examples=[{"url": "https://www.igniterealtime.org/",
                                  "title": "Ignite Realtime", "description": "Open source "
                                  "real time collaboration", "image": None,
                                  "siteName": None, "type": "website"}]),
    "UploadSlot": obj({"putUrl": {"type": "string"}, "getUrl": {"type": "string"},
                       "headers": {"type": "object",
                                   "additionalProperties": {"type": "string"}}},
                      required=("putUrl", "getUrl", "headers")),
}

ROUTES = [
    Route("GET", "/preview/{quality}/{url}", get_preview,
          summary="Request URL preview", tag="collaboration", access=USER,
          description="Title, description, image, site name and type of a web page, read "
                      "from its OpenGraph, Twitter-card and HTML metadata. Only public "
                      "internet addresses are fetched (sparkweb.outbound.allow admits "
                      "others); answers are cached for every user.",
          params={"quality": Param("The preview image's size on a scale 1-9: the image "
                                   "whose declared width is nearest quality x 160 px.",
                                   example="5"),
                  "url": Param("The page's http or https URL in base64url (padding "
                               "optional); a percent-encoded URL works only where the web "
                               "server accepts %2F in paths, which Openfire's does not.",
                               example="aHR0cHM6Ly93d3cuaWduaXRlcmVhbHRpbWUub3JnLw")},
          answers={200: {"$ref": "#/components/schemas/LinkPreview"},
                   400: "The quality is not 1-9, or the preview request failed: the URL is "
                        "not http(s), names a refused address or spelling, the page could "
                        "not be fetched in time, did not answer 200, or is not HTML; or 'url' "
                        "is neither a URL nor base64url.",
                   404: "Link previews are turned off (sparkweb.preview.enabled).",
                   429: "The user asked for more previews than sparkweb.preview.maxPerMinute "
                        "in a minute; Retry-After says when to try again.",
                   503: "sparkweb.preview.maxFetches pages are being fetched already, for all "
                        "users together; Retry-After says when to try again."}),
    Route("GET", "/upload/{fileName}/{fileSize}", get_upload_slot,
          summary="Request file upload", tag="collaboration", access=USER,
          description="Asks the server's HTTP File Upload service (XEP-0363) for a slot "
                      "through the user's XMPP session. PUT the file to putUrl with the "
                      "headers given, then share getUrl.",
          params={"fileName": Param("The file's name.", example="photo.jpg"),
                  "fileSize": Param("The file's size in bytes.", example="12345"),
                  "contentType": Param("The file's media type, e.g. image/jpeg.")},
          answers={200: {"$ref": "#/components/schemas/UploadSlot"},
                   400: "The file name or size is not usable, or the upload service refused "
                        "the request (bad-request); the message names the XMPP condition.",
                   403: "The upload service does not let this user upload (forbidden, "
                        "not-allowed).",
                   413: "The file is larger than the upload service allows; the message "
                        "and the maxFileSize field say the limit.",
                   429: "The user asked for more slots than sparkweb.upload.maxPerMinute in "
                        "a minute (Retry-After says when to try again), or the upload service "
                        "asks the user to wait (resource-constraint, policy-violation).",
                   501: "The server has no HTTP upload service: install Openfire's HTTP "
                        "File Upload plugin.",
                   503: "upload_same_origin: the upload service announces addresses on "
                        "SparkWeb's own origin, where an uploaded file could run script as "
                        "the user; the message names the plugin's properties to change "
                        "(or sparkweb.upload.allowSameOrigin). service_unavailable: the "
                        "upload service did not answer in time (remote-server-timeout, or "
                        "no answer); Retry-After says when to try again."}),
]
