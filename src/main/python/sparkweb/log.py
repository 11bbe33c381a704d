"""Logging through SLF4J, which both Openfire and the dev host provide, so SparkWeb's lines land
in Openfire's own log files. Never pass a password, token or key to these functions."""
from __future__ import absolute_import

from org.slf4j import LoggerFactory


def logger(name):
    return LoggerFactory.getLogger("sparkweb." + name)
