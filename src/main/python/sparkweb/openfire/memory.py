"""An in-memory Openfire for unit tests and the dev host. Thread-safe: Jython has no GIL."""
from __future__ import absolute_import

import threading

from java.util import Locale
from java.util.concurrent import ConcurrentHashMap

from sparkweb.openfire.facade import OpenfireFacade, RosterEntry, UserRecord
from sparkweb.openfire.memory_xmpp import MemoryXmppRouter


class _MemoryUser(object):
    def __init__(self, username, password, name, email):
        self.record = UserRecord(username, name, email)
        self.password = password
        self.properties = ConcurrentHashMap()


class MemoryOpenfire(OpenfireFacade):
    """Users, properties and a web server kept in memory.

    ``web_server`` is any object with ``add(context)``/``remove(context)`` (the dev host passes
    its Jetty); without one, contexts are only remembered, which is what unit tests need.
    """

    def __init__(self, domain=u"example.test", web_server=None, web_urls=()):
        self._domain = domain
        self._properties = ConcurrentHashMap()
        self.encrypted_properties = ConcurrentHashMap()   # names stored with encrypt=True
        self._users = ConcurrentHashMap()
        self._admins = ConcurrentHashMap()
        self._locked = ConcurrentHashMap()
        self._web_server = web_server
        self._web_urls = list(web_urls)
        self.admin_locale = Locale.ENGLISH   # tests set another
        self.web_contexts = []
        self._contacts = ConcurrentHashMap()   # username -> {contact: True}, kept mutual
        self._passkeys = ConcurrentHashMap()   # credential id -> PasskeyRecord
        self._passkey_lock = threading.Lock()
        self.xmpp = MemoryXmppRouter(domain, self._contact_names)

    # --- test and dev-host set-up -----------------------------------------------------------
    def add_user(self, username, password, name=u"", email=u"", admin=False):
        self._users.put(username, _MemoryUser(username, password, name, email))
        if admin:
            self._admins.put(username, True)

    def delete_user(self, username):
        self._users.remove(username)
        for session in self.xmpp.sessions_of(username):
            self.xmpp.close(session)

    def add_contacts(self, first, second):
        """Makes two users each other's contacts with a 'both' subscription."""
        for one, other in ((first, second), (second, first)):
            self._contacts.putIfAbsent(one, ConcurrentHashMap())
            self._contacts.get(one).put(other, True)

    def _contact_names(self, username):
        contacts = self._contacts.get(username)
        return list(contacts.keySet()) if contacts is not None else []

    def lock_out(self, username, locked=True):
        if locked:
            self._locked.put(username, True)
        else:
            self._locked.remove(username)

    # --- the facade -------------------------------------------------------------------------
    def xmpp_domain(self):
        return self._domain

    def server_version(self):
        return u"memory"

    def locale(self):
        return self.admin_locale

    def get_property(self, name):
        return self._properties.get(name)

    def set_property(self, name, value, encrypt=False):
        self._properties.put(name, value)
        if encrypt:
            self.encrypted_properties.put(name, True)
        else:
            self.encrypted_properties.remove(name)

    def delete_property(self, name):
        self._properties.remove(name)

    def property_names(self):
        return list(self._properties.keySet())

    def authenticate(self, username, password):
        user = self._users.get(username)
        return user is not None and password is not None and user.password == password

    def get_user(self, username):
        user = self._users.get(username)
        return user.record if user is not None else None

    def get_user_properties(self, username):
        user = self._users.get(username)
        return dict(user.properties) if user is not None else {}

    def set_user_property(self, username, name, value):
        self._users.get(username).properties.put(name, value)

    def delete_user_property(self, username, name):
        user = self._users.get(username)
        if user is not None:
            user.properties.remove(name)

    def is_admin(self, username):
        return self._admins.containsKey(username)

    def is_locked_out(self, username):
        return self._locked.containsKey(username)

    def passkeys(self, username):
        with self._passkey_lock:
            mine = [record for record in self._passkeys.values() if record.username == username]
        return sorted(mine, key=lambda record: record.created_at)

    def find_passkey(self, credential_id):
        return self._passkeys.get(credential_id)

    def add_passkey(self, record):
        return self._passkeys.putIfAbsent(record.credential_id, record) is None

    def record_passkey_use(self, username, credential_id, old_count, new_count, backup_state,
                           used_at):
        with self._passkey_lock:
            record = self._passkeys.get(credential_id)
            if record is None or record.username != username or record.sign_count != old_count:
                return False
            record.sign_count = new_count
            record.backup_state = backup_state
            record.last_used_at = used_at
            return True

    def rename_passkey(self, username, credential_id, name):
        with self._passkey_lock:
            record = self._passkeys.get(credential_id)
            if record is None or record.username != username:
                return False
            record.name = name
            return True

    def delete_passkey(self, username, credential_id):
        with self._passkey_lock:
            record = self._passkeys.get(credential_id)
            if record is None or record.username != username:
                return False
            self._passkeys.remove(credential_id)
            return True

    def open_session(self, username, resource, listener):
        return self.xmpp.open(username, resource, listener)

    def roster(self, username):
        return [RosterEntry(u"%s@%s" % (name, self._domain), name.capitalize(), (), 3)
                for name in sorted(self._contact_names(username))]

    def can_probe(self, username, target_username):
        return username == target_username or target_username in self._contact_names(username)

    def current_presence(self, username):
        for session in self.xmpp.sessions_of(username):
            if session.presence is not None:
                return session.presence
        return None

    def add_web_context(self, context):
        self.web_contexts.append(context)
        if self._web_server is not None:
            self._web_server.add(context)

    def remove_web_context(self, context):
        self.web_contexts.remove(context)
        if self._web_server is not None:
            self._web_server.remove(context)

    def web_urls(self):
        return list(self._web_urls)
