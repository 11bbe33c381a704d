"""SparkWeb: modern web access (REST, SSE, Web Push, JWT/WebAuthn) to Openfire, in Jython.

Layout: ``plugin`` wires everything; ``openfire`` is the only door to Openfire; ``http`` turns
route tables into a Jersey application on Jetty; ``api`` holds one route table per API area;
``auth`` issues and verifies tokens. Code here is Jython 2.7: no f-strings, no type hints.
"""
VERSION = "0.3.0"
