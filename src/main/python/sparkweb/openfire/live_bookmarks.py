"""The Bookmarks plugin's store on the live Openfire, reached through the plugin's own classes.

SparkWeb compiles against no class of that plugin: its classes live in the plugin's classloader,
found at run time through Openfire's PluginManager (canonical name ``bookmarks``, the jar's
name). They are looked up on every use and never kept, so that unloading or replacing the
plugin leaves nothing of its classloader in SparkWeb; the types Jython made of them are
forgotten when the plugin unloads (live._PluginWatch, JythonTypeRegistry.forgetClassesOf).

The plugin's ``Bookmark`` writes to the database in each setter, catches and logs its own SQL
failures, and answers ``NotFoundException`` for an id it cannot load. Every change here is
therefore read back, and a change that did not stick is an error, not a silent success.
"""
from __future__ import absolute_import

from java.lang import Throwable
from java.util import ArrayList
from org.jivesoftware.openfire import XMPPServer
from org.jivesoftware.openfire.group import GroupManager, GroupNotFoundException
from org.jivesoftware.util import NotFoundException

from sparkweb.errors import ServiceUnavailable
from sparkweb.openfire.live_xmpp import calls_with_openfire_loader
from sparkweb.openfire.shared_bookmarks import SharedBookmark, SharedBookmarkStore

CANONICAL_NAME = "bookmarks"
PACKAGE = "org.jivesoftware.openfire.plugin.spark."


class StoreFailed(ServiceUnavailable):
    """The plugin did not store a change (its own failure, logged in Openfire's log): a JSON
    503, not the generic 500."""


def find_store():
    """A :class:`LiveSharedBookmarks` while the Bookmarks plugin is loaded, else None."""
    manager = XMPPServer.getInstance().getPluginManager()
    plugin = manager.getPluginByCanonicalName(CANONICAL_NAME).orElse(None)
    if plugin is None:
        return None
    loader = manager.getPluginClassloader(plugin)
    if loader is None:
        return None
    return LiveSharedBookmarks(loader)


def _java_list(values):
    result = ArrayList()
    for value in values:
        result.add(value)
    return result


def _record(bookmark):
    return SharedBookmark(
        bookmark.getBookmarkID(), unicode(bookmark.getType().name()), unicode(bookmark.getName()),
        unicode(bookmark.getValue()), bool(bookmark.isGlobalBookmark()),
        [unicode(user) for user in bookmark.getUsers() or ()],
        [unicode(group) for group in bookmark.getGroups() or ()],
        dict((unicode(k), unicode(v)) for k, v in bookmark.getProperties().items()))


@calls_with_openfire_loader
class LiveSharedBookmarks(SharedBookmarkStore):
    def __init__(self, loader):
        # Jython gives a loaded Class as its Python type: static methods and constructors
        # are called on it directly.
        self._manager = loader.loadClass(PACKAGE + "BookmarkManager")
        self._bookmark = loader.loadClass(PACKAGE + "Bookmark")
        self._type = loader.loadClass(PACKAGE + "Bookmark$Type")

    def _load(self, bookmark_id):
        try:
            return self._bookmark(bookmark_id)
        except NotFoundException:
            return None

    def all(self):
        return sorted((_record(b) for b in self._manager.getBookmarks()),
                      key=lambda record: record.bookmark_id)

    def get(self, bookmark_id):
        found = self._load(bookmark_id)
        return _record(found) if found is not None else None

    def is_for(self, username, bookmark):
        found = self._load(bookmark.bookmark_id)
        return found is not None and bool(self._manager.isBookmarkForUser(username, found))

    def meant_for(self, username):
        # The plugin loads each bookmark with three queries and caches nothing: the objects
        # getBookmarks() loaded answer isBookmarkForUser too (review R12-3).
        return sorted((_record(b) for b in self._manager.getBookmarks()
                       if self._manager.isBookmarkForUser(username, b)),
                      key=lambda record: record.bookmark_id)

    def group_exists(self, name):
        try:
            GroupManager.getInstance().getGroup(name)
            return True
        except GroupNotFoundException:
            return False

    def create(self, bookmark):
        created = self._bookmark(self._type.valueOf(bookmark.type), bookmark.name,
                                 bookmark.value, _java_list(bookmark.users),
                                 _java_list(bookmark.groups))
        if self._load(created.getBookmarkID()) is None:
            raise StoreFailed("the Bookmarks plugin did not store a new bookmark")
        bookmark_id = created.getBookmarkID()
        try:
            stored = self._write(created, bookmark)
        except (Exception, Throwable):
            self.delete(bookmark_id)     # no half-made bookmark stays behind
            raise
        return stored

    def update(self, bookmark):
        found = self._load(bookmark.bookmark_id)
        if found is None:
            return False
        self._write(found, bookmark)
        return True

    def _write(self, target, bookmark):
        target.setType(self._type.valueOf(bookmark.type))   # saved by the next setter
        target.setName(bookmark.name)
        target.setValue(bookmark.value)
        target.setGlobalBookmark(bookmark.is_global)
        target.setUsers(_java_list(bookmark.users))
        target.setGroups(_java_list(bookmark.groups))
        for name in list(target.getProperties().keySet()):
            if name not in bookmark.properties:
                target.deleteProperty(name)
        for name, value in sorted(bookmark.properties.items()):
            target.setProperty(name, value)
        stored = self.get(target.getBookmarkID())
        if stored is None or not _same(stored, bookmark):
            raise StoreFailed("the Bookmarks plugin did not store a change of bookmark %d"
                              % target.getBookmarkID())
        return stored

    def delete(self, bookmark_id):
        found = self._load(bookmark_id)
        if found is None:
            return False
        # The plugin's deleteBookmark removes the ofBookmark row only; its admin page does the
        # same and leaves audience and properties behind. Those go first here.
        found.setUsers(ArrayList())
        found.setGroups(ArrayList())
        for name in list(found.getProperties().keySet()):
            found.deleteProperty(name)
        self._manager.deleteBookmark(bookmark_id)
        return self._load(bookmark_id) is None


def _same(stored, wanted):
    return (stored.type, stored.name, stored.value, stored.is_global, sorted(stored.users),
            sorted(stored.groups), stored.properties) == (
        wanted.type, wanted.name, wanted.value, wanted.is_global, sorted(wanted.users),
        sorted(wanted.groups), wanted.properties)
