"""Threads of the cluster's own pools (forwarding, relays). Their work starts on Openfire's
cluster executor, whose threads do not have the plugin's class loader: pool threads set it
themselves, as the web server's threads have it in SparkWeb's context."""
from __future__ import absolute_import

from java.lang import Thread
from java.util.concurrent import ThreadFactory


def run_with(function, argument):
    """``function(argument)`` as a task for a Java pool. A Python function, which Jython hands
    to Java as a plain proxy: an object of a Python class with Java bases would get a
    finalizer, at a cost per forwarded call (see http.body_reader.arrived_whole)."""
    return lambda: function(argument)


class DaemonThreads(ThreadFactory):
    def __init__(self, name, loader):
        self._name = name
        self._loader = loader

    def newThread(self, runnable):
        thread = Thread(runnable, self._name)
        thread.setDaemon(True)
        thread.setContextClassLoader(self._loader)
        return thread
