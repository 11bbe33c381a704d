"""Bookmarks, kept where the rest of the XMPP world keeps them (issue 12 item 4).

- Shared bookmarks (global, or for listed users or groups) are those of Openfire's Bookmarks
  plugin (:mod:`.shared`): its admin pages and the XMPP clients it serves see the same ones.
  Only administrators create, change or delete them.
- A user's own bookmarks are their XEP-0402 group-chat bookmarks, PEP node
  ``urn:xmpp:bookmarks:1``, read and written through the user's own session (:mod:`.pep`), so
  their other clients share them both ways.

:mod:`.model` reads the REST body (spec model ``Bookmark``) and writes the answers.
"""
