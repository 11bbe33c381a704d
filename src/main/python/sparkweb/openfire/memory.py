"""An in-memory Openfire for unit tests and the dev host. Thread-safe: Jython has no GIL.

Where behaviour matters it behaves as Openfire does: users are found by a trimmed, lower-cased
name (``UserManager.getUser``), a password is checked for that name with the server's own
``@domain`` stripped (``DefaultAuthProvider``), while the lock-out compares names exactly
(``LockOutManager``) - so the dev host shows what a case variant of a name does on Openfire.
"""
from __future__ import absolute_import

import copy
import threading

from java.lang import String as JavaString, Throwable
from java.util import Locale
from java.util.concurrent import ConcurrentHashMap, CopyOnWriteArrayList

from sparkweb.openfire.facade import OpenfireFacade, RosterEntry, UserRecord
from sparkweb.log import logger
from sparkweb.openfire.memory_account import MemoryAccountMixin
from sparkweb.openfire.memory_archive import MemoryArchive
from sparkweb.openfire.memory_bookmarks import MemorySharedBookmarks
from sparkweb.openfire.memory_cluster import MemoryClusterMixin
from sparkweb.openfire.memory_muc import MemoryMucService
from sparkweb.openfire.memory_webpush import MemoryWebPush
from sparkweb.openfire.memory_xmpp import MemoryXmppRouter
from sparkweb.xmpp.roster import SUBSCRIPTION_NUMBERS

LOG = logger("memory")


def _user_key(username):
    """How Openfire's UserManager looks a user up: trimmed and lower-cased."""
    return JavaString.toLowerCase(JavaString.trim(username)) if username is not None else None


class _MemoryUser(object):
    def __init__(self, username, password, name, email):
        self.record = UserRecord(username, name, email)
        self.password = password
        self.properties = ConcurrentHashMap()


class MemoryOpenfire(MemoryAccountMixin, MemoryWebPush, MemoryClusterMixin, OpenfireFacade):
    """Users, properties and a web server kept in memory.

    ``web_server`` is any object with ``add(context)``/``remove(context)`` (the dev host passes
    its Jetty); without one, contexts are only remembered, which is what unit tests need.
    """

    def __init__(self, domain=u"example.test", web_server=None, web_urls=()):
        self._domain = domain
        self._properties = ConcurrentHashMap()
        self.encrypted_properties = ConcurrentHashMap()   # names stored with encrypt=True
        self._users = ConcurrentHashMap()
        self._locked = ConcurrentHashMap()
        self._admins = ConcurrentHashMap()
        self._web_server = web_server
        self._web_urls = list(web_urls)
        self.admin_locale = Locale.ENGLISH   # tests set another
        self.web_contexts = []
        self._passkeys = ConcurrentHashMap()   # credential id -> PasskeyRecord
        self._passkey_lock = threading.Lock()
        self._user_listeners = CopyOnWriteArrayList()
        self._plugin_watchers = CopyOnWriteArrayList()
        self._property_watches = CopyOnWriteArrayList()   # (name, changed) of watch_property
        self.xmpp = MemoryXmppRouter(domain)   # with the rosters and groups (memory_contacts)
        self.archive = MemoryArchive(self.xmpp)   # the in-memory Monitoring plugin
        # The Bookmarks plugin's store (None: not installed); groups are those of memory_account.
        self.bookmarks_plugin = MemorySharedBookmarks(self.xmpp.contacts.groups)
        self._init_accounts()                  # vCards (memory_account)
        self.muc_services = ConcurrentHashMap()   # subdomain -> MemoryMucService
        self.muc = self.add_muc_service(u"conference")
        self._init_webpush()
        self._init_cluster()

    def add_muc_service(self, subdomain):
        service = MemoryMucService(self.xmpp, subdomain)
        self.muc_services.put(subdomain, service)
        self.xmpp.components.put(service.domain, service)
        return service

    # --- test and dev-host set-up: what an administrator does in Openfire ---------------------
    def add_user(self, username, password, name=u"", email=u""):
        username = _user_key(username)   # the admin console lower-cases new names
        self._users.put(username, _MemoryUser(username, password, name, email))

    def delete_user(self, username, close_sessions=True):
        """Deletes the user, telling listeners first (Openfire's user_deleting). The admin
        console also closes the user's sessions; other ways of deleting (``close_sessions``
        False) leave them to whoever notices."""
        username = _user_key(username)
        self._tell_listeners(lambda listener: listener.user_deleting(username))
        self._users.remove(username)
        self.xmpp.contacts.forget_user(username)
        if close_sessions:
            for session in self.xmpp.sessions_of(username):
                self.xmpp.close(session)

    def set_password(self, username, password):
        """Changes a password as Openfire's User.setPassword does, events included."""
        username = _user_key(username)
        self._users.get(username).password = password
        self._tell_listeners(lambda listener: listener.password_changed(username))

    def _tell_listeners(self, tell):
        for listener in list(self._user_listeners):
            try:
                tell(listener)
            except (Exception, Throwable) as error:   # as Openfire's dispatcher: log, go on
                LOG.warn("A user event listener failed: %s" % error)

    def add_contacts(self, first, second):
        """Makes two users each other's contacts with a 'both' subscription."""
        self.xmpp.contacts.add_mutual(first, second)

    def lock_out(self, username, locked=True):
        if locked:
            self._locked.put(username, True)
        else:
            self._locked.remove(username)

    def set_admin(self, username, admin=True):
        if admin:
            self._admins.put(username, True)
        else:
            self._admins.remove(username)

    # --- the facade -------------------------------------------------------------------------
    def xmpp_domain(self):
        return self._domain

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
        self._property_changed(name)

    def delete_property(self, name):
        self._properties.remove(name)
        self._property_changed(name)

    def watch_property(self, name, changed):
        watch = (name, changed)
        self._property_watches.add(watch)
        return lambda: self._property_watches.remove(watch)

    def _property_changed(self, name):
        for watched, changed in list(self._property_watches):
            if watched == name:
                changed()

    def property_names(self):
        return list(self._properties.keySet())

    def authenticate(self, username, password):
        name = _user_key(username)
        if name is not None and name.endswith(u"@" + self._domain):
            name = name[:-len(self._domain) - 1]
        user = self._users.get(name) if name is not None else None
        return user is not None and password is not None and user.password == password

    def _user(self, username):
        return self._users.get(_user_key(username)) if username is not None else None

    def get_user(self, username):
        user = self._user(username)
        return user.record if user is not None else None

    def get_user_properties(self, username):
        user = self._user(username)
        return dict(user.properties) if user is not None else {}

    def set_user_property(self, username, name, value):
        self._user(username).properties.put(name, value)

    def delete_user_property(self, username, name):
        user = self._user(username)
        if user is not None:
            user.properties.remove(name)

    def is_locked_out(self, username):
        return self._locked.containsKey(username)   # exact, as Openfire's LockOutManager

    def is_admin(self, username):
        return self._admins.containsKey(username)   # exact, as AdminManager compares names

    def add_user_listener(self, listener):
        self._user_listeners.add(listener)

    def remove_user_listener(self, listener):
        self._user_listeners.remove(listener)

    def watch_vcards(self):
        return lambda: None     # vCards are a dict here: nothing to remember, nothing to follow

    # Passkeys go in and out as copies, as rows of a database do: a record a caller holds
    # does not change under it when another sign-in moves the stored counter.
    def passkeys(self, username):
        with self._passkey_lock:
            mine = [copy.copy(record) for record in self._passkeys.values()
                    if record.username == username]
        return sorted(mine, key=lambda record: record.created_at)

    def find_passkey(self, credential_id):
        with self._passkey_lock:
            record = self._passkeys.get(credential_id)
            return copy.copy(record) if record is not None else None

    def add_passkey(self, record):
        return self._passkeys.putIfAbsent(record.credential_id, copy.copy(record)) is None

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
        return self.open_clustered_session(
            username, resource, lambda: self.xmpp.open(username, resource, listener))

    def roster(self, username):
        return [RosterEntry(item.jid, item.name, item.groups,
                            SUBSCRIPTION_NUMBERS[item.subscription], shared)
                for item, shared in sorted(self.xmpp.contacts.items(username),
                                           key=lambda entry: entry[0].jid)]

    def can_probe(self, username, target_username):
        return username == target_username or \
            target_username in self.xmpp.contacts.sources(username)

    def current_presence(self, username):
        for session in self.xmpp.sessions_of(username):
            if session.presence is not None:
                return session.presence
        return None

    def shared_bookmarks(self):
        return self.bookmarks_plugin
    # --- multi-user chat: the in-memory service of memory_muc -----------------------------------
    def muc_service_exists(self, service):
        return self.muc_services.containsKey(service)

    def muc_room_summaries(self, service, viewer):
        found = self.muc_services.get(service)
        return found.summaries(viewer) if found is not None else []

    def muc_room(self, service, name, viewer):
        found = self.muc_services.get(service)
        return found.record(name, viewer) if found is not None else None

    def muc_room_history(self, service, name):
        found = self.muc_services.get(service)
        return found.history(name) if found is not None else []

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

    def watch_plugins(self, on_change):
        self._plugin_watchers.add(on_change)
        return lambda: self._plugin_watchers.remove(on_change)

    def plugin_changed(self, name):
        """What Openfire does after loading or unloading plugin ``name`` (tests call it)."""
        for on_change in self._plugin_watchers:
            on_change(name)
