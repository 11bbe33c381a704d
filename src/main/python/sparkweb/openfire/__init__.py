"""The one door to Openfire.

``facade.OpenfireFacade`` names what SparkWeb needs from the server. ``live`` implements it with
Openfire's managers (the only module that imports ``org.jivesoftware``); ``memory`` implements it
in memory for unit tests and the dev host.
"""
