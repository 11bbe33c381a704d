"""The facade on a running Openfire (5.0 and later). With ``live_xmpp`` and ``live_passkeys``,
the only modules that import ``org.jivesoftware``.

Calls go straight to Openfire's managers in this JVM; nothing goes over a socket. Differences
between Openfire versions are absorbed here; Jython resolves overloads at run time.
"""
from __future__ import absolute_import

from java.lang import IllegalArgumentException, Throwable
from java.util.concurrent import ConcurrentHashMap
from org.igniterealtime.openfire.plugin.sparkweb import JythonTypeRegistry
from org.jivesoftware.openfire import XMPPServer
from org.jivesoftware.openfire.admin import AdminManager
from org.jivesoftware.openfire.auth import AuthFactory, UnauthorizedException
from org.jivesoftware.openfire.container import PluginListener
from org.jivesoftware.openfire.event import UserEventDispatcher, UserEventListener
from org.jivesoftware.openfire.http import HttpBindManager
from org.jivesoftware.openfire.lockout import LockOutManager
from org.jivesoftware.openfire.user import UserManager, UserNotFoundException
from org.jivesoftware.util import JiveGlobals, PropertyEventDispatcher, PropertyEventListener

from sparkweb.log import log_failure, logger
from sparkweb.openfire.facade import OpenfireFacade, RosterEntry, UserRecord
from sparkweb.openfire import live_muc
from sparkweb.openfire.live_contacts import LiveContactsMixin, roster_groups
from sparkweb.openfire import live_bookmarks, live_cluster, live_home
from sparkweb.openfire.live_vcards import MissingVCards
from sparkweb.openfire.live_passkeys import PasskeyTable
from sparkweb.openfire import live_webpush
from sparkweb.openfire.live_xmpp import LiveSession, calls_with_openfire_loader, from_packet

_PASSKEYS = PasskeyTable()
_PUSH_SUBSCRIPTIONS = live_webpush.subscription_table()
LOG = logger("openfire")


class _UserEvents(UserEventListener):
    """Openfire's user events, as the facade's listener interface (see OpenfireFacade)."""

    def __init__(self, listener):
        self.listener = listener

    def userCreated(self, user, params):
        pass

    def userDeleting(self, user, params):
        self._tell(self.listener.user_deleting, user)

    def userModified(self, user, params):
        if params is not None and params.get("type") == "passwordModified":
            self._tell(self.listener.password_changed, user)

    @staticmethod
    def _tell(handler, user):
        try:
            handler(user.getUsername())
        except (Exception, Throwable) as error:   # never break the administrator's change
            LOG.warn("SparkWeb could not handle a user event: %s" % error)


class _PropertyWatch(PropertyEventListener):
    """One system property's changes, as the facade's watch_property."""

    def __init__(self, name, changed):
        self._name = name
        self._changed = changed

    def propertySet(self, name, params):
        self._tell(name)

    def propertyDeleted(self, name, params):
        self._tell(name)

    def xmlPropertySet(self, name, params):
        pass

    def xmlPropertyDeleted(self, name, params):
        pass

    def _tell(self, name):
        if name != self._name:
            return
        try:
            self._changed()
        except (Exception, Throwable) as error:   # never break Openfire's event dispatch
            LOG.warn("SparkWeb could not handle a change of %s: %s" % (name, error))


@calls_with_openfire_loader
class LiveOpenfire(LiveContactsMixin, OpenfireFacade):
    def __init__(self):
        self._user_events = ConcurrentHashMap()   # id(listener) -> its UserEventListener
        self._offline_listeners = live_webpush.OfflineListeners()
        self._missing_vcards = MissingVCards()     # see live_vcards

    def xmpp_domain(self):
        return XMPPServer.getInstance().getServerInfo().getXMPPDomain()

    def locale(self):
        return JiveGlobals.getLocale()

    def get_property(self, name):
        return JiveGlobals.getProperty(name)

    def set_property(self, name, value, encrypt=False):
        JiveGlobals.setProperty(name, value, encrypt)

    def delete_property(self, name):
        JiveGlobals.deleteProperty(name)

    def property_names(self):
        return list(JiveGlobals.getPropertyNames())

    def watch_property(self, name, changed):
        watch = _PropertyWatch(name, changed)
        PropertyEventDispatcher.addListener(watch)
        return lambda: PropertyEventDispatcher.removeListener(watch)

    def authenticate(self, username, password):
        try:
            AuthFactory.authenticate(username, password)
            return True
        except (UnauthorizedException, IllegalArgumentException):   # the latter: not a JID node
            return False

    def _user(self, username):
        try:
            return UserManager.getInstance().getUser(username)
        except (UserNotFoundException, IllegalArgumentException):
            return None

    def get_user(self, username):
        user = self._user(username)
        if user is None:
            return None
        return UserRecord(user.getUsername(), user.getName(), user.getEmail())

    def get_user_properties(self, username):
        user = self._user(username)
        return dict(user.getProperties()) if user is not None else {}

    def set_user_property(self, username, name, value):
        self._user(username).getProperties().put(name, value)

    def delete_user_property(self, username, name):
        user = self._user(username)
        if user is not None:
            user.getProperties().remove(name)

    def is_locked_out(self, username):
        return LockOutManager.getInstance().isAccountDisabled(username)

    def is_admin(self, username):
        return AdminManager.getInstance().isUserAdmin(username, False)

    def add_user_listener(self, listener):
        adapter = _UserEvents(listener)
        self._user_events.put(id(listener), adapter)
        UserEventDispatcher.addListener(adapter)

    def remove_user_listener(self, listener):
        adapter = self._user_events.remove(id(listener))
        if adapter is not None:
            UserEventDispatcher.removeListener(adapter)

    def watch_vcards(self):
        return self._missing_vcards.start()

    # Passkeys: SparkWeb's own table, see live_passkeys.
    def passkeys(self, username):
        return _PASSKEYS.by_user(username)

    def find_passkey(self, credential_id):
        return _PASSKEYS.find(credential_id)

    def add_passkey(self, record):
        return _PASSKEYS.add(record)

    def record_passkey_use(self, username, credential_id, old_count, new_count, backup_state,
                           used_at):
        return _PASSKEYS.record_use(username, credential_id, old_count, new_count, backup_state,
                                    used_at)

    def rename_passkey(self, username, credential_id, name):
        return _PASSKEYS.rename(username, credential_id, name)

    def delete_passkey(self, username, credential_id):
        return _PASSKEYS.delete(username, credential_id)

    # Web Push: SparkWeb's own table and Openfire's offline events, see live_webpush.
    def push_subscriptions(self, username):
        return _PUSH_SUBSCRIPTIONS.by_user(username)

    def save_push_subscription(self, record, limit):
        return _PUSH_SUBSCRIPTIONS.save(record, limit)

    def delete_push_subscription(self, username, device=None, endpoint=None):
        return _PUSH_SUBSCRIPTIONS.delete(username, device, endpoint)

    def delete_all_push_subscriptions(self):
        return _PUSH_SUBSCRIPTIONS.delete_all()

    def add_offline_listener(self, listener):
        self._offline_listeners.add(listener)

    def remove_offline_listener(self, listener):
        self._offline_listeners.remove(listener)

    def xmpp_session_count(self, username):
        return live_webpush.xmpp_session_count(username)

    def store_unread(self, username, unread):
        return live_webpush.store_unread(username, unread)

    def open_session(self, username, resource, listener):
        return LiveSession(username, resource, listener)

    def roster(self, username):
        roster = XMPPServer.getInstance().getRosterManager().getRoster(username)
        return [RosterEntry(item.getJid().toBareJID(), item.getNickname(), roster_groups(item),
                            item.getSubStatus().getValue(), item.isShared())
                for item in roster.getRosterItems()]

    def can_probe(self, username, target_username):
        prober = XMPPServer.getInstance().createJID(username, None)
        try:
            return XMPPServer.getInstance().getPresenceManager().canProbePresence(
                prober, target_username)
        except UserNotFoundException:
            return False

    def current_presence(self, username):
        user = self._user(username)
        if user is None:
            return None
        presence = XMPPServer.getInstance().getPresenceManager().getPresence(user)
        return from_packet(presence) if presence is not None else None

    def shared_bookmarks(self):
        return live_bookmarks.find_store()

    # --- multi-user chat: read in-process (live_muc) -----------------------------------------
    def muc_service_exists(self, service):
        return live_muc.service_exists(service)

    def muc_room_summaries(self, service, viewer):
        return live_muc.room_summaries(service, viewer)

    def muc_room(self, service, name, viewer):
        return live_muc.room(service, name, viewer)

    def muc_room_history(self, service, name):
        return live_muc.history(service, name)

    def add_web_context(self, context):
        HttpBindManager.getInstance().addJettyHandler(context)

    def remove_web_context(self, context):
        HttpBindManager.getInstance().removeJettyHandler(context)

    def web_urls(self):
        host = XMPPServer.getInstance().getServerInfo().getHostname()
        return [u"http://%s:%s" % (host, HttpBindManager.HTTP_BIND_PORT.getValue()),
                u"https://%s:%s" % (host, HttpBindManager.HTTP_BIND_SECURE_PORT.getValue())]

    def cluster_node(self):
        return live_cluster.this_node()

    def cluster_nodes(self):
        return live_cluster.nodes()

    def home_node(self, username, resource):
        return live_cluster.home_node(self._full_jid(username, resource))

    def route_holder(self, username, resource):
        return live_cluster.route_holder(self._full_jid(username, resource))

    def reassert_route(self, username, resource):
        return live_home.reassert_route(XMPPServer.getInstance().createJID(username, resource))

    def send_to_node(self, node, envelope, body):
        live_cluster.send(node, envelope, body)

    def receive_from_cluster(self, receiver):
        return live_cluster.listen(receiver)

    def watch_cluster(self, joined, left):
        return live_cluster.watch(joined, left)

    def shared_cache(self, name):
        return live_cluster.SharedCache(name)

    def _full_jid(self, username, resource):
        return XMPPServer.getInstance().createJID(username, resource).toString()

    def watch_plugins(self, on_change):
        manager = XMPPServer.getInstance().getPluginManager()
        listener = _PluginWatch(on_change)
        manager.addPluginListener(listener)
        return lambda: manager.removePluginListener(listener)


class _PluginWatch(PluginListener):
    """Passes plugin loads and unloads on by name; a failure is logged here, since Openfire
    would log it without saying whose listener failed."""

    def __init__(self, on_change):
        self._on_change = on_change

    def pluginCreated(self, name, plugin):
        self._tell(name)

    def pluginDestroyed(self, name, plugin):
        # Jython keeps the types of the classes SparkWeb used from that plugin (the Bookmarks
        # plugin's, for one): they would keep the plugin's classloader alive.
        JythonTypeRegistry.forgetClassesOf(plugin.getClass().getClassLoader())
        self._tell(name)

    def _tell(self, name):
        try:
            self._on_change(name)
        except (Exception, Throwable):
            log_failure(LOG, "SparkWeb's follow-up to a load or unload of plugin %s failed." % name)
