"""XMPP vocabulary shared by every layer: JIDs (``jid``) and the neutral stanza model
(``stanza``) that the facade converts to and from Openfire's packets."""
