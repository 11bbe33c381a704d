"""How big a stanza is, for the session's two limits: the text a user may send
(``sparkweb.chat.maxMessageBytes``) and the memory a raw event may hold in the replay log."""
from __future__ import absolute_import


def _texts(stanza):
    muc = stanza.muc or {}
    return [text for text in (stanza.body, stanza.data, stanza.subject, stanza.status,
                              (muc.get("invite") or {}).get("reason"),
                              (muc.get("join") or {}).get("password")) if text]


def text_bytes(stanza):
    """The UTF-8 size of the stanza's texts (body, JSON data, subject, status; an
    invitation's reason and a join's password, which the room passes on or reads)."""
    return sum([len(text.encode("utf-8")) for text in _texts(stanza)])


def raw_size_hint(stanza):
    """Memory a raw event holds until (and unless) a stream asks for it: the stanza and the
    server's parsed packet, roughly four bytes per character of text, and some overhead."""
    return 4 * sum([len(text) for text in _texts(stanza)]) + 1024
