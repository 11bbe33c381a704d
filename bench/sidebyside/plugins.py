"""Openfire's optional plugins, which the benchmarks leave out unless asked.

Monitoring's conversation tracking takes a lock per conversation on every message (JFR: 18 s
of waits in 30 s with 16 senders in the side-by-side run; 742 s of waits in the 10,000-stream
run at 1,000 messages/s, where it also held Openfire's native client-to-client path at p50
200 ms). ejabberd here archives nothing either."""
import os

OPTIONAL_PLUGINS = ("monitoring.jar", "httpfileupload.jar", "bookmarks.jar")


def remove_optional_plugins(openfire_home):
    """Takes them out of a scratch Openfire's plugins directory (before it starts)."""
    plugins = os.path.join(openfire_home, "plugins")
    for name in OPTIONAL_PLUGINS:
        if os.path.exists(os.path.join(plugins, name)):
            os.remove(os.path.join(plugins, name))
