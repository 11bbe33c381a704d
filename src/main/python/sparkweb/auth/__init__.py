"""Authentication: access tokens (``tokens``), their revocation (``revocation``) and the checks
that turn a request's credentials into a username (``credentials``)."""
