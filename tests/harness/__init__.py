"""Test harness: where the build outputs are, and the targets the black-box suite runs against
(the dev host, a real Openfire from OPENFIRE_HOME, or Openfire in Docker)."""
