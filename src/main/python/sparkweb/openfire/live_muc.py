"""Reading Openfire's multi-user chat rooms (the facade's ``muc_*`` calls) in-process, through
``MultiUserChatManager``. Acting in rooms is not done here: the user's session sends the
stanzas, so that the MUC service applies its rules (see ``session.muc``).

Version differences are absorbed here: Openfire 5.0 renamed ``MUCRole`` (an occupant) to
``MUCOccupant`` and ``getRoleAddress`` to ``getOccupantJID``; both answer to the same
duck-typed calls below.
"""
from __future__ import absolute_import

from org.jivesoftware.openfire import XMPPServer
from org.xmpp.packet import JID

from sparkweb.openfire.muc_records import OccupantRecord, RoomMessageRecord, RoomRecord, \
    RoomSummary
from sparkweb.xmpp import stanza as model


def _service(subdomain):
    manager = XMPPServer.getInstance().getMultiUserChatManager()
    if not manager.isServiceRegistered(subdomain):
        return None
    return manager.getMultiUserChatService(subdomain)


def _room(subdomain, name):
    service = _service(subdomain)
    return service.getChatRoom(name) if service is not None else None


def service_exists(subdomain):
    return _service(subdomain) is not None


def room_summaries(subdomain, viewer):
    """The rooms in memory (``getActiveChatRooms``, the same in 5.0 and 5.1), read without a
    database query. Not ``getAllRoomNames`` + ``getChatRoom`` nor ``getAllRoomSearchInfo``:
    both load every dormant room from the database (unless ``xmpp.muc.search.skip-unloaded-
    rooms``), on every call."""
    service = _service(subdomain)
    if service is None:
        return []
    viewer_jid = JID(viewer).asBareJID()
    return [_summary(found, viewer_jid) for found in service.getActiveChatRooms()]


def _summary(found, viewer_jid):
    return RoomSummary(_text(found.getName()), _text(found.getJID().toBareJID()),
                       _text(found.getNaturalLanguageName()), found.isPublicRoom(),
                       found.isMembersOnly(), found.isLocked(),
                       _text(found.getAffiliation(viewer_jid)), _viewer_role(found, viewer_jid))


def _viewer_role(found, viewer_jid):
    for occupant in found.getOccupants():
        if occupant.getUserAddress().asBareJID() == viewer_jid:
            return _text(occupant.getRole())
    return None


def _text(value):
    return None if value is None else unicode(value)


def _occupant_jid(occupant):
    if hasattr(occupant, "getOccupantJID"):          # Openfire 5.0 and later
        return occupant.getOccupantJID()
    return occupant.getRoleAddress()                 # MUCRole, Openfire 4.x


def _occupant(occupant):
    return OccupantRecord(_text(occupant.getNickname()), _text(_occupant_jid(occupant)),
                          _text(occupant.getUserAddress()), _text(occupant.getRole()),
                          _text(occupant.getAffiliation()))


def _millis(date):
    return date.getTime() if date is not None else 0


def _jids(collection):
    return sorted(unicode(jid) for jid in collection)


def room(subdomain, name, viewer):
    found = _room(subdomain, name)
    if found is None:
        return None
    viewer_jid = JID(viewer).asBareJID()
    occupants = list(found.getOccupants())
    return RoomRecord(
        _text(found.getName()), _text(found.getJID().toBareJID()),
        natural_name=_text(found.getNaturalLanguageName()),
        description=_text(found.getDescription()) or u"", subject=_text(found.getSubject()) or u"",
        password_protected=found.isPasswordProtected(), public=found.isPublicRoom(),
        members_only=found.isMembersOnly(), moderated=found.isModerated(),
        persistent=found.isPersistent(), locked=found.isLocked(),
        can_anyone_discover_jid=found.canAnyoneDiscoverJID(),
        can_change_nickname=found.canChangeNickname(),
        can_occupants_change_subject=found.canOccupantsChangeSubject(),
        can_occupants_invite=found.canOccupantsInvite(),
        allow_pm=_text(found.canSendPrivateMessage()),
        broadcast_roles=[_text(role) for role in found.getRolesToBroadcastPresence()],
        log_enabled=found.isLogEnabled(),
        login_restricted_to_nickname=found.isLoginRestrictedToNickname(),
        registration_enabled=found.isRegistrationEnabled(), max_users=found.getMaxUsers(),
        creation_date=_millis(found.getCreationDate()),
        modification_date=_millis(found.getModificationDate()),
        owners=_jids(found.getOwners()), admins=_jids(found.getAdmins()),
        members=_jids(found.getMembers()), outcasts=_jids(found.getOutcasts()),
        occupants=[_occupant(o) for o in occupants],
        viewer_affiliation=_text(found.getAffiliation(viewer_jid)),
        viewer_role=_viewer_role(found, viewer_jid))


def history(subdomain, name):
    found = _room(subdomain, name)
    if found is None:
        return []
    messages = []
    iterator = found.getRoomHistory().getMessageHistory()
    while iterator.hasNext():
        messages.append(_history_message(iterator.next()))
    return messages


def _history_message(message):
    delay = message.getChildElement("delay", model.NS_DELAY)
    data = message.getChildElement("json", model.NS_JSON)
    return RoomMessageRecord(
        _text(message.getFrom()), _text(message.getTo()), _text(message.getBody()),
        type=_text(message.getType()), subject=_text(message.getSubject()),
        delay_stamp=_text(delay.attributeValue("stamp")) if delay is not None else None,
        delay_from=_text(delay.attributeValue("from")) if delay is not None else None,
        data=_text(data.getText()) if data is not None else None, id=_text(message.getID()))
