"""The rooms of the in-memory MUC service (memory_muc): configuration, affiliations,
occupants and history, guarded by their service's lock."""
from __future__ import absolute_import

import time

HISTORY_SIZE = 25          # Openfire's default history strategy keeps 25 messages


def bare_jid(text):
    return text.partition(u"/")[0].lower()


def stamp(millis):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millis / 1000)) + ".%03dZ" % (
        millis % 1000)


class Occupant(object):
    def __init__(self, nick, session, role, affiliation):
        self.nick = nick
        self.session = session
        self.role = role
        self.affiliation = affiliation


class Room(object):
    def __init__(self, service, name, now, **config):
        self.service = service
        self.name = name
        self.jid = u"%s@%s" % (name, service.domain)
        self.config = dict(natural_name=name, public=True, persistent=False, max_users=30,
                           can_change_nickname=True, registration_enabled=True)
        self.config.update(config)
        self.password = None
        self.subject = u""
        self.affiliations = {}        # bare JID -> owner | admin | member | outcast
        self.occupants = []
        self.history = []
        self.locked = False
        self.dormant = False          # stored only, not held in memory (see create_room)
        self.created = self.modified = now

    def affiliation(self, bare):
        return self.affiliations.get(bare, u"none")

    def occupant_of(self, session):
        for occupant in self.occupants:
            if occupant.session is session:
                return occupant
        return None

    def by_nick(self, nick):
        for occupant in self.occupants:
            if occupant.nick.lower() == nick.lower():
                return occupant
        return None

    def role_for(self, affiliation):
        if affiliation in ("owner", "admin"):
            return u"moderator"
        if self.config.get("moderated") and affiliation != "member":
            return u"visitor"
        return u"participant"

    def occupant_jid(self, nick):
        return u"%s/%s" % (self.jid, nick)
