"""Set-up for the roster, account and group handler tests: a request stand-in with a JSON body
and a query, signed-in users with real sessions on the in-memory Openfire, and a stream that
records the events a session hands out."""
from __future__ import absolute_import

from sparkweb.errors import BadRequest
from support import openfire_with_users, services


class BodyRequest(object):
    """What handlers use of sparkweb.http.request.Request, with ``body`` as the parsed JSON."""

    def __init__(self, app, claims, body=None, params=None, query=None):
        self.app = app
        self.claims = claims
        self.body = body
        self.params = params or {}
        self._query = query or {}
        self.client_address = u"192.0.2.7"

    @property
    def user(self):
        return self.claims.username

    def query(self, name, default=None):
        return self._query.get(name, default)

    def is_json(self):
        return self.body is not None

    def json_object(self, shape="a JSON object"):
        if not isinstance(self.body, dict):
            raise BadRequest("Expected %s." % shape)
        return self.body


class RecordingStream(object):
    def __init__(self):
        self.events = []
        self.closed = False

    def offer(self, event):
        self.events.append(event)

    def close(self):
        self.closed = True

    def named(self, name):
        return [event for event in self.events if event.name == name]


class World(object):
    """alice, bob and carol (alice and bob mutual contacts), services with the user listener
    registered, and a helper to call a handler as one of them."""

    def __init__(self):
        self.openfire = openfire_with_users()
        self.openfire.add_user(u"carol", u"carol-pw", name=u"Carol", email=u"carol@example.test")
        self.openfire.add_user(u"admin", u"admin-pw", name=u"Administrator")
        self.openfire.set_admin(u"admin")
        self.openfire.add_contacts(u"alice", u"bob")
        self.app = services(self.openfire)
        self.app.accounts.watch()
        self.tokens = {}
        self.claims = {}
        for name in (u"alice", u"bob", u"carol", u"admin"):
            token, claims = self.app.authenticator.login(name, name + u"-pw")
            self.tokens[name], self.claims[name] = token, claims

    def call(self, handler, user, body=None, **params):
        query = params.pop("query", None)
        return handler(BodyRequest(self.app, self.claims[user], body, params, query))

    def stream(self, user):
        stream = RecordingStream()
        self.app.sessions.attach(user, stream)
        return stream

    def token_works(self, user):
        try:
            self.app.authenticator.authenticate(self.tokens[user])
            return True
        except BadRequest:
            raise
        except Exception:   # Unauthorized
            return False
