"""Web Push as one service: the VAPID key, the sender, automatic pushes and the publish limits,
wired from a facade, a transport and the settings. ``start()`` registers what listens to
Openfire and returns the undo steps; ``stop()`` ends the sending threads."""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.push.automatic import AutomaticPushes
from sparkweb.push.encryption import RequestBuilder
from sparkweb.push.publishing import AutomaticLimits, publish_limits
from sparkweb.push.sender import PushSender
from sparkweb.push.vapid import VapidKeys


class WebPush(object):
    def __init__(self, openfire, settings, transport, clock):
        self.openfire = openfire
        self.settings = settings
        self.clock = clock
        self.keys = VapidKeys(openfire)
        self.sender = PushSender(openfire, settings, RequestBuilder(self.keys, self.subject, clock),
                                 transport, clock)
        self.automatic_limits = AutomaticLimits(settings, clock)
        self.automatic = AutomaticPushes(openfire, settings, self.sender, self.automatic_limits)
        self.publish_limits = publish_limits(settings, clock)

    def subject(self):
        """The VAPID ``sub``: the setting, or mailto: the domain's admin address."""
        return self.settings.get(config.WEBPUSH_SUBJECT) or \
            u"mailto:admin@" + self.openfire.xmpp_domain()

    def rotate_key(self):
        """A new VAPID key pair; every stored subscription was made for the old one (push
        services refuse requests signed with another), so all are deleted rather than sent to
        in vain and counted against their users' limits (findings-13 13-12)."""
        self.keys.rotate()
        return self.openfire.delete_all_push_subscriptions()

    def listen(self):
        """Hears offline messages and account deletions from now on; returns the undo."""
        accounts = _AccountEnds(self.openfire, self.automatic_limits)
        self.openfire.add_offline_listener(self.automatic)
        self.openfire.add_user_listener(accounts)

        def undo():
            self.openfire.remove_user_listener(accounts)
            self.openfire.remove_offline_listener(self.automatic)
        return undo

    def stop(self):
        self.sender.stop()


class _AccountEnds(object):
    """Deletes an account's push subscriptions when Openfire deletes the account: a new account
    of the same name is another person, and must never have its notifications sent to the
    previous owner's browsers."""

    def __init__(self, openfire, automatic_limits):
        self._openfire = openfire
        self._automatic_limits = automatic_limits

    def password_changed(self, username):
        pass

    def user_deleting(self, username):
        self._automatic_limits.forget(username)
        for subscription in self._openfire.push_subscriptions(username):
            self._openfire.delete_push_subscription(username, endpoint=subscription.endpoint)
