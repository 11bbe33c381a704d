"""The page script's leader election without Web Locks (web/js/sparkweb/stream.js, the
localStorage lease), run under node with one isolated context per tab: when the leading tab
closes, another tab holds the user's event stream again at once, whatever order the tabs hear
the leader's bye in and whatever the tab that answered first does next. A gap longer than the
server's grace period (sparkweb.session.graceSeconds) ends the session and loses what arrives
meanwhile."""
import json
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian: nodejs)")


def hand_off(order, then):
    run = subprocess.run([NODE, os.path.join(HERE, "stream_tabs.mjs"), order, then],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("order", ["claimer-first", "other-first"])
@pytest.mark.parametrize("then", ["close", "reload"])
def test_a_tab_leads_at_once_when_the_leader_and_the_first_claimer_go(order, then):
    result = hand_off(order, then)
    assert result["waited_ms"] is not None, "no tab held the stream again"
    assert result["waited_ms"] < 3000, "the remaining tabs had no stream for %d ms " \
        "(lease %d ms)" % (result["waited_ms"], result["lease_ms"])
