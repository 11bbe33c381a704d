"""The one door to Openfire.

``facade.OpenfireFacade`` names what SparkWeb needs from the server. ``live`` implements it with
Openfire's managers, helped by ``live_xmpp`` (sessions and packets) and ``live_passkeys`` (the
passkey table); these ``live*`` modules are the only ones in SparkWeb that import
``org.jivesoftware``. ``memory`` (with ``memory_xmpp``) implements it in memory for unit tests
and the dev host.
"""
