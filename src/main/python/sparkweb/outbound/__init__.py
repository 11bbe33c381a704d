"""Outbound HTTP: the one guarded client every request SparkWeb makes to another web server
goes through (link previews, Web Push). See :mod:`.addresses` for which addresses it may
reach and :mod:`.client` for how a request is made.
"""
