"""Shared bookmarks: those of Openfire's Bookmarks plugin, for everybody (global), for listed
users or for the members of listed groups.

Who may do what: a user reads the shared bookmarks meant for them (the plugin's own rule, the
one it applies for XMPP clients); an administrator reads every one and is the only one who
creates, changes or deletes them. A bookmark not meant for the caller is "not found", so that
its existence shows to nobody it is not for. Without the plugin, shared bookmarks are 501
naming it, except in lists, which then hold the caller's own bookmarks only.
"""
from __future__ import absolute_import

from sparkweb.bookmarks import model
from sparkweb.errors import Forbidden, NotFound, PluginMissing
from sparkweb.openfire.shared_bookmarks import PLUGIN_NAME, SharedBookmark

ADMIN_ONLY = "Only an administrator may create, change or delete shared bookmarks."


class SharedBookmarks(object):
    """The shared bookmarks as ``username`` may see and change them."""

    def __init__(self, openfire, settings, username):
        self._openfire = openfire
        self._settings = settings
        self._username = username

    def is_admin(self):
        return self._openfire.is_admin(self._username)

    def _store(self):
        store = self._openfire.shared_bookmarks()
        if store is None:
            raise PluginMissing(PLUGIN_NAME)
        return store

    def _store_for_change(self):
        if not self.is_admin():
            raise Forbidden(ADMIN_ONLY)
        return self._store()

    def visible(self, everything=False):
        """The shared bookmarks meant for the user (``everything``: all, administrators only);
        none without the plugin."""
        if everything and not self.is_admin():     # whether or not the plugin is there
            raise Forbidden("Only an administrator may list every shared bookmark.")
        store = self._openfire.shared_bookmarks()
        if store is None:
            return []
        if everything:
            return store.all()
        return store.meant_for(self._username)

    def get(self, bookmark_id):
        store = self._store()
        found = store.get(bookmark_id)
        if found is None or not (store.is_for(self._username, found) or self.is_admin()):
            raise NotFound("No bookmark %d." % bookmark_id)
        return found

    def create(self, fields):
        store = self._store_for_change()
        bookmark = SharedBookmark(None, fields["type"], fields["name"], fields["value"])
        self._apply(store, bookmark, fields)
        return store.create(bookmark)

    def update(self, bookmark_id, fields):
        store = self._store_for_change()
        bookmark = self.get(bookmark_id)
        self._apply(store, bookmark, fields)
        if not store.update(bookmark):
            raise NotFound("No bookmark %d." % bookmark_id)
        return bookmark

    def delete(self, bookmark_id):
        store = self._store_for_change()
        if not store.delete(bookmark_id):
            raise NotFound("No bookmark %d." % bookmark_id)

    def set_property(self, bookmark_id, name, value):
        properties = dict(self.get(bookmark_id).properties)
        properties[name] = value
        model.check_property_count(properties, self._settings)
        return self.update(bookmark_id, {"properties": properties})

    def delete_property(self, bookmark_id, name):
        properties = dict(self.get(bookmark_id).properties)
        properties.pop(name, None)
        return self.update(bookmark_id, {"properties": properties})

    def _apply(self, store, bookmark, fields):
        """Copies checked ``fields`` onto ``bookmark``; 404 for a user or group that is not
        there, before anything is stored."""
        for key in ("type", "name", "value"):
            if key in fields:
                setattr(bookmark, key, fields[key])
        bookmark.value = model.check_value(bookmark.type, bookmark.value,
                                           self._openfire.xmpp_domain())
        bookmark.is_global = fields.get("globalBookmark", bookmark.is_global)
        if "users" in fields:
            missing = [u for u in fields["users"] if self._openfire.get_user(u) is None]
            if missing:
                raise NotFound("No such user: %s" % ", ".join(missing[:10]))
            bookmark.users = fields["users"]
        if "groups" in fields:
            missing = [g for g in fields["groups"] if not store.group_exists(g)]
            if missing:
                raise NotFound("No such group: %s" % ", ".join(missing[:10]))
            bookmark.groups = fields["groups"]
        if "properties" in fields:
            bookmark.properties = fields["properties"]
