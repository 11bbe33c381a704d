"""Threads of the cluster's own pools (forwarding, relays). Their work starts on Openfire's
cluster executor, whose threads do not have the plugin's class loader: pool threads set it
themselves, as the web server's threads have it in SparkWeb's context."""
from __future__ import absolute_import

from java.lang import Runnable, Thread
from java.util.concurrent import ThreadFactory


class Run(Runnable):
    """``function(argument)`` as a Runnable."""

    def __init__(self, function, argument):
        self._function = function
        self._argument = argument

    def run(self):
        self._function(self._argument)


class DaemonThreads(ThreadFactory):
    def __init__(self, name, loader):
        self._name = name
        self._loader = loader

    def newThread(self, runnable):
        thread = Thread(runnable, self._name)
        thread.setDaemon(True)
        thread.setContextClassLoader(self._loader)
        return thread
