"""WebAuthn passkeys, one job per module:

- ``ceremonies``: registration and sign-in (start -> options, finish -> verified with
  webauthn4j), and the user's own passkeys;
- ``webauthn_json``: the browser's JSON form of options and credentials, read defensively;
- ``challenges``: signed challenges that need no table of pending ceremonies, used once;
- ``secret``: the installation's passkey secret behind the challenges and the stand-ins;
- ``stand_ins``: the sign-in options of users without passkeys, so none tells who exists;
- ``limits``: how many sign-ins may be started per client address and per username;
- ``relying_party``: who passkeys belong to (id, name, allowed origins), from the settings;
- ``cleanup``: removal of records left by deleted accounts, run by housekeeping rather than by
  any request.
"""
