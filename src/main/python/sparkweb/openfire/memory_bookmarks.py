"""The Bookmarks plugin's store in memory, for unit tests and the dev host. Who a bookmark is
for depends on the in-memory Openfire's groups (memory_contacts, ``GroupManager`` in Openfire):
name -> MemoryGroup, names case-sensitive as Openfire's."""
from __future__ import absolute_import

import copy
import threading

from sparkweb.openfire.shared_bookmarks import SharedBookmarkStore


class MemorySharedBookmarks(SharedBookmarkStore):
    def __init__(self, groups):
        self._groups = groups
        self._bookmarks = {}
        self._next_id = 1
        self._lock = threading.Lock()

    def all(self):
        with self._lock:
            return [copy.deepcopy(self._bookmarks[key]) for key in sorted(self._bookmarks)]

    def get(self, bookmark_id):
        with self._lock:
            found = self._bookmarks.get(bookmark_id)
            return copy.deepcopy(found) if found is not None else None

    def is_for(self, username, bookmark):
        return self._is_for(username, bookmark)

    def _is_for(self, username, bookmark):
        return bookmark.is_global or username in bookmark.users or any(
            username in self._members(group) for group in bookmark.groups)

    def meant_for(self, username):
        with self._lock:
            return [copy.deepcopy(self._bookmarks[key]) for key in sorted(self._bookmarks)
                    if self._is_for(username, self._bookmarks[key])]

    def _members(self, name):
        group = self._groups.get(name)
        return group.members if group is not None else ()

    def group_exists(self, name):
        return name in self._groups

    def create(self, bookmark):
        stored = copy.deepcopy(bookmark)
        with self._lock:
            stored.bookmark_id = self._next_id   # the plugin's ids come from a sequence
            self._next_id += 1
            self._bookmarks[stored.bookmark_id] = stored
        return copy.deepcopy(stored)

    def update(self, bookmark):
        with self._lock:
            if bookmark.bookmark_id not in self._bookmarks:
                return False
            self._bookmarks[bookmark.bookmark_id] = copy.deepcopy(bookmark)
            return True

    def delete(self, bookmark_id):
        with self._lock:
            return self._bookmarks.pop(bookmark_id, None) is not None
