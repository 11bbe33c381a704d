"""WebAuthn passkeys, one job per module:

- ``ceremonies``: registration and sign-in (start -> options, finish -> verified with
  webauthn4j), and the user's own passkeys;
- ``challenges``: the challenges the ceremonies hand out and take back;
- ``relying_party``: who passkeys belong to (id, name, allowed origins), from the settings;
- ``cleanup``: removal of records left by deleted accounts, run by housekeeping rather than by
  any request.
"""
