"""Shared bookmarks: the store of Openfire's Bookmarks plugin, as SparkWeb sees it.

The plugin (``igniterealtime/openfire-bookmarks-plugin``) keeps bookmarks that an administrator
defines for everybody (global), for listed users or for the members of listed groups, in its
tables ``ofBookmark``, ``ofBookmarkPerm`` and ``ofBookmarkProp``; it adds them to what XMPP
clients read from their private storage (XEP-0048) and shows them in the admin console. The
facade hands out a :class:`SharedBookmarkStore` only while that plugin is installed.
"""
from __future__ import absolute_import

PLUGIN_NAME = "Bookmarks"
TYPES = ("url", "group_chat")          # the plugin's Bookmark.Type

# The plugin's columns: bookmarkName VARCHAR(255), bookmarkValue VARCHAR(1024) on HSQLDB and
# PostgreSQL but VARCHAR(255) on MySQL, and Oracle and DB2 count bytes: names and values are
# held to 255 UTF-8 bytes, which fit every database the plugin supports (its setters drop
# what does not fit without saying so). ofBookmarkPerm.name VARCHAR(255),
# ofBookmarkProp.name VARCHAR(100).
MAX_NAME_LENGTH = 255          # UTF-8 bytes
MAX_VALUE_LENGTH = 255         # UTF-8 bytes
MAX_AUDIENCE_NAME_LENGTH = 255


class SharedBookmark(object):
    """One bookmark of the plugin. ``bookmark_id`` is None until stored; ``users`` are
    usernames, ``groups`` group names, ``properties`` a dict of text."""

    def __init__(self, bookmark_id, type, name, value, is_global=False, users=(), groups=(),
                 properties=None):
        self.bookmark_id = bookmark_id
        self.type = type
        self.name = name
        self.value = value
        self.is_global = is_global
        self.users = list(users)
        self.groups = list(groups)
        self.properties = dict(properties or {})


class SharedBookmarkStore(object):
    """What SparkWeb does with the plugin's bookmarks. Records go in and out as copies."""

    def all(self):
        """Every shared bookmark, by id."""
        raise NotImplementedError

    def get(self, bookmark_id):
        """The bookmark with that (integer) id, or None."""
        raise NotImplementedError

    def is_for(self, username, bookmark):
        """The plugin's own rule: global, or listing the user, or one of the user's groups."""
        raise NotImplementedError

    def meant_for(self, username):
        """Every bookmark :meth:`is_for` the user, by id, each read once."""
        raise NotImplementedError

    def group_exists(self, name):
        raise NotImplementedError

    def create(self, bookmark):
        """Stores a new bookmark (id ignored); answers it as stored, with its id."""
        raise NotImplementedError

    def update(self, bookmark):
        """Replaces every field of the stored bookmark of that id; False when it is gone."""
        raise NotImplementedError

    def delete(self, bookmark_id):
        """Removes the bookmark with its audience and properties; False when it was not there."""
        raise NotImplementedError
