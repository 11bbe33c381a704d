"""Web Push (spec tag web_push), under ``/webpush``: the caller's browser subscriptions, the
server's VAPID public key, and notifications to other users' devices.

``POST /webpush/subscribe/{resource}`` stores ``PushSubscription.toJSON()`` for the caller
(``resource`` names the browser or device; the same endpoint or name again replaces its entry);
``DELETE`` the same path removes it. ``GET /webpush/subscribers`` lists the caller's own.
``POST /webpush/publish/{target}`` sends ``{title, body, url, tag}`` (or raw text: the body) to
the target's devices, for contacts who share their presence with the caller, and admins.
``PUT /webpush/visibility/{stream}`` tells whether the page of an event stream is hidden
(automatic pushes go to users whose pages are all hidden); ``GET``/``PUT
/webpush/preferences`` read and switch the caller's automatic pushes.
"""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.api.schemas import FLAG, TEXT, array_of, nullable, obj, ref
from sparkweb.auth.usernames import normalize
from sparkweb.errors import BadRequest, NotFound
from sparkweb.http.routing import USER, Body, Param, Route
from sparkweb.push import publishing, subscriptions


def get_vapid_key(request):
    return {"publicKey": request.app.webpush.keys.current.public_key}


def post_subscription(request):
    device = subscriptions.device_name(request.params["resource"])
    body = request.json_object("PushSubscription JSON {endpoint, keys: {p256dh, auth}}")
    record = subscriptions.parse(body, request.user, device, request.app.settings,
                                 request.app.webpush.clock(), request.app.outbound.policy())
    subscriptions.check_server_key(body, request.app.webpush.keys.current.public_key)
    subscriptions.store(request.app.openfire, request.app.settings, record)
    return subscriptions.describe(record)


def delete_subscription(request):
    device = subscriptions.device_name(request.params["resource"])
    subscriptions.delete(request.app.openfire, request.user, device)
    return {}


def get_subscribers(request):
    """The spec's UserEntities, holding only the caller (when subscribed), and the caller's
    subscriptions."""
    mine = request.app.openfire.push_subscriptions(request.user)
    user = request.app.openfire.get_user(request.user)
    users = [{"username": user.username, "name": user.name, "email": user.email,
              "properties": []}] if mine and user is not None else []
    return {"users": users, "subscriptions": [subscriptions.describe(one) for one in mine]}


def post_publish(request):
    app, sender = request.app, request.user
    target = normalize(request.params["target"], app.openfire.xmpp_domain())
    publishing.check_allowed(app.openfire, sender, target)
    fields = request.json_object("JSON {title, body, url, tag}") if request.is_json() \
        else {"body": request.text()}
    user = app.openfire.get_user(sender)
    notification = publishing.notification(fields, user.name or sender if user else sender,
                                           u"%s@%s" % (sender, app.openfire.xmpp_domain()))
    app.webpush.publish_limits.take(sender)
    return {"queued": app.webpush.sender.send_to_user(target, notification)}


def put_visibility(request):
    hidden = request.json_object('JSON {"hidden": true|false}').get("hidden")
    if not isinstance(hidden, bool):
        raise BadRequest("'hidden' must be true or false.")
    session = request.app.sessions.get(request.user)
    if session is None or not session.set_stream_hidden(request.params["stream"], hidden):
        raise NotFound("You have no open event stream with that id.")
    return {"stream": request.params["stream"], "hidden": hidden}


def get_preferences(request):
    stored = request.app.openfire.get_user_properties(request.user).get(
        config.WEBPUSH_OPT_OUT_PROPERTY)
    return {"automatic": stored != u"false",
            "serverAutomatic": request.app.settings.get(config.WEBPUSH_AUTOMATIC)}


def put_preferences(request):
    automatic = request.json_object('JSON {"automatic": true|false}').get("automatic")
    if not isinstance(automatic, bool):
        raise BadRequest("'automatic' must be true or false.")
    if automatic:
        request.app.openfire.delete_user_property(request.user, config.WEBPUSH_OPT_OUT_PROPERTY)
    else:
        request.app.openfire.set_user_property(request.user, config.WEBPUSH_OPT_OUT_PROPERTY,
                                               u"false")
    return get_preferences(request)


_KEY = {"type": "string", "description": "base64url"}
MODELS = {
    "PushSubscription": obj({"endpoint": {"type": "string", "maxLength": 1000},
                             "keys": obj({"p256dh": _KEY, "auth": _KEY}, ["p256dh", "auth"]),
                             "expirationTime": nullable("number"),
                             "applicationServerKey": dict(_KEY, description=(
                                 "base64url: the key of GET /webpush/vapidkey the browser "
                                 "subscribed with; when given and not the current key "
                                 "(rotated meanwhile) the answer is 409 stale_key."))},
                            ["endpoint", "keys"],
                            description="PushSubscription.toJSON() of the browser, and "
                                        "optionally the applicationServerKey it was made with."),
    "PushSubscriptionInfo": obj({"resource": {"type": "string"}, "endpoint": {"type": "string"},
                                 "expirationTime": nullable("integer"),
                                 "createdAt": {"type": "integer"}},
                                ["resource", "endpoint", "expirationTime", "createdAt"]),
    "PushSubscribers": obj({"users": array_of(ref("UserEntity")),
                            "subscriptions": array_of(ref("PushSubscriptionInfo"))},
                           ["users", "subscriptions"]),
    "PushNotification": obj({"title": TEXT, "body": TEXT, "url": TEXT, "tag": TEXT}),
    "PushPreferences": obj({"automatic": FLAG, "serverAutomatic": FLAG},
                           ["automatic", "serverAutomatic"]),
}
_RESOURCE = Param("A name for the browser or device: 1-100 characters, at most 100 bytes in "
                  "UTF-8, no control characters.",
                  schema={"type": "string", "minLength": 1, "maxLength": 100})

ROUTES = [
    Route("GET", "/webpush/vapidkey", get_vapid_key,
          summary="Get the webpush vapid key", tag="web_push", access=USER,
          answers={200: ref("PublicKey")}),
    Route("GET", "/webpush/subscribers", get_subscribers,
          summary="Get all web push subscribers", tag="web_push", access=USER,
          description="Only the caller's own subscriptions.",
          answers={200: ref("PushSubscribers")}),
    Route("POST", "/webpush/subscribe/{resource}", post_subscription,
          summary="Store web push subscription for this user", tag="web_push", access=USER,
          params={"resource": _RESOURCE},
          body=Body("The subscription.", json=ref("PushSubscription")),
          answers={200: ref("PushSubscriptionInfo"),
                   400: "Not a subscription a browser makes: no https endpoint, wrong keys.",
                   409: "The caller has sparkweb.webpush.maxSubscriptionsPerUser already "
                        "(conflict), or the applicationServerKey given is not the current "
                        "one (stale_key): subscribe again with GET /webpush/vapidkey's key."}),
    Route("DELETE", "/webpush/subscribe/{resource}", delete_subscription,
          summary="Delete a web push subscription of this user", tag="web_push", access=USER,
          params={"resource": _RESOURCE},
          answers={200: obj({}),
                   400: "The resource is not a device name (1-100 characters, at most 100 "
                        "bytes in UTF-8, no control characters).",
                   404: "The caller has no subscription of that name."}),
    Route("POST", "/webpush/publish/{target}", post_publish,
          summary="Send a text message to all subscriptions of another user", tag="web_push",
          access=USER, params={"target": "A username of this server."},
          body=Body("The notification.", json=ref("PushNotification"),
                    text="The notification's text."),
          answers={200: obj({"queued": {"type": "boolean"}}, ["queued"]),
                   400: "A malformed notification.",
                   403: "The target does not share their presence with the caller (or does "
                        "not exist), and the caller is no administrator.",
                   429: "More than sparkweb.webpush.publishPerMinute notifications a minute."}),
    Route("PUT", "/webpush/visibility/{stream}", put_visibility,
          summary="Tell whether an event stream's page is hidden", tag="web_push",
          access=USER, params={"stream": "The 'stream' of that stream's onConnect event."},
          body=Body("The page's visibility.", json=obj({"hidden": {"type": "boolean"}},
                                                       ["hidden"])),
          answers={200: obj({"stream": {"type": "string"}, "hidden": {"type": "boolean"}},
                            ["stream", "hidden"]),
                   400: "'hidden' is not a boolean.",
                   404: "The caller has no open stream of that id."}),
    Route("GET", "/webpush/preferences", get_preferences,
          summary="Get the caller's push preferences", tag="web_push", access=USER,
          answers={200: ref("PushPreferences")}),
    Route("PUT", "/webpush/preferences", put_preferences,
          summary="Switch the caller's automatic pushes", tag="web_push", access=USER,
          body=Body("The preference.", json=obj({"automatic": {"type": "boolean"}},
                                                ["automatic"])),
          answers={200: ref("PushPreferences"), 400: "'automatic' is not a boolean."}),
]
