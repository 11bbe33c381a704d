"""The real-Openfire target (placeholder until the OPENFIRE_HOME runner lands)."""
import os


def unavailable_reason():
    if not os.environ.get("OPENFIRE_HOME"):
        return "no real Openfire: OPENFIRE_HOME is not set"
    return "real Openfire runner not written yet"
