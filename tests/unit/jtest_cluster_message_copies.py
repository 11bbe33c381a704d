"""ClusterMessage after a reload of SparkWeb: two copies of the class, each from its own plugin
classloader, as Openfire makes them.

Hazelcast caches the classes it resolves by name (ClassLoaderUtil's class cache), so after a
reload it may instantiate the unloaded SparkWeb's copy of ClusterMessage until that copy is
garbage-collected. That copy's receiver was cleared when the old SparkWeb stopped; a message it
carries must still reach the running SparkWeb, or every forwarded call to the node waits out its
time and fails.
"""
from __future__ import absolute_import

import glob
import os
from unittest import SkipTest

import jarray
from java.io import File
from java.lang import Class, ClassLoader
from java.lang.reflect import InvocationHandler, Proxy
from java.net import URL, URLClassLoader

ADAPTERS = "org.igniterealtime.openfire.plugin.sparkweb.ClusterMessage"
# Openfire's API jar the adapters compile against (build.gradle: compileOnly xmppserver).
OPENFIRE_API_GLOB = os.path.expanduser(
    "~/.gradle/caches/modules-2/files-2.1/org.igniterealtime.openfire/xmppserver/*/*/"
    "xmppserver-*.jar")


def _jars():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    adapters = glob.glob(os.path.join(root, "build", "libs", "sparkweb-adapters-*.jar"))
    openfire = glob.glob(OPENFIRE_API_GLOB)
    if not adapters or not openfire:
        raise SkipTest("needs build/libs/sparkweb-adapters-*.jar and Gradle's cached "
                       "xmppserver jar (run `gradle assemble` first)")
    return [File(adapters[0]).toURI().toURL(), File(openfire[0]).toURI().toURL()]


def _plugin_copy(jars):
    """ClusterMessage as one plugin classloader of its own loads it."""
    loader = URLClassLoader(jarray.array(jars, URL), ClassLoader.getPlatformClassLoader())
    return loader.loadClass(ADAPTERS), loader


class _Recorder(InvocationHandler):
    def __init__(self):
        self.received = []

    def invoke(self, proxy, method, args):
        if method.getName() == "receive":
            self.received.append((bytes(bytearray(args[0])), bytes(bytearray(args[1]))))
        return None


def _receiver(message_class, loader, recorder):
    receiver_type = loader.loadClass(ADAPTERS + "$Receiver")
    return Proxy.newProxyInstance(loader, jarray.array([receiver_type], type(receiver_type)),
                                  recorder)


def _set_receiver(message_class, receiver):
    message_class.getMethod("setReceiver", [message_class.getClassLoader().loadClass(
        ADAPTERS + "$Receiver")]).invoke(None, [receiver])


def _message(message_class, envelope, body):
    byte_array = Class.forName("[B")
    constructor = message_class.getConstructor([byte_array, byte_array])
    return constructor.newInstance([jarray.array(bytearray(envelope), "b"),
                                    jarray.array(bytearray(body), "b")])


def test_a_message_instantiated_from_the_unloaded_copy_reaches_the_running_sparkweb():
    jars = _jars()
    old_class, old_loader = _plugin_copy(jars)
    new_class, new_loader = _plugin_copy(jars)
    assert old_class is not new_class
    old_recorder, new_recorder = _Recorder(), _Recorder()
    _set_receiver(old_class, _receiver(old_class, old_loader, old_recorder))
    _set_receiver(old_class, None)                  # the old SparkWeb stops
    _set_receiver(new_class, _receiver(new_class, new_loader, new_recorder))   # the new starts
    try:
        _message(old_class, b"envelope", b"body").run()   # Hazelcast's cached (old) class
        _message(new_class, b"second", b"").run()
    finally:
        _set_receiver(new_class, None)
    assert new_recorder.received == [(b"envelope", b"body"), (b"second", b"")], \
        "the running SparkWeb received %r" % new_recorder.received
    assert old_recorder.received == []


def test_a_message_for_a_node_where_sparkweb_is_stopped_is_dropped_quietly():
    jars = _jars()
    message_class, loader = _plugin_copy(jars)
    recorder = _Recorder()
    _set_receiver(message_class, _receiver(message_class, loader, recorder))
    _set_receiver(message_class, None)
    _message(message_class, b"late", b"").run()     # raises nothing: the sender times out
    assert recorder.received == []
