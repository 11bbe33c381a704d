"""The dev host as a subprocess: SparkWeb on a standalone Jetty 12 ee8 with the in-memory
Openfire, on a free loopback port, with fresh random passwords for its test users."""
import secrets
import subprocess
import threading

from harness import paths
from harness.target import TEST_PROPERTIES, Target

READY = "SPARKWEB_DEVHOST_READY"
USERS = ("alice", "bob", "carol")
ADMIN = "admin"
# Groups of the dev host's Openfire: "chess" is open for self-service, "staff" is not.
GROUPS = ("chess", "staff:admin")
SELF_SERVICE_GROUPS = {"sparkweb.groups.selfService": "chess"}


class DevHost(object):
    def __init__(self, jvm_options=(), properties=TEST_PROPERTIES):
        self.jvm_options = list(jvm_options)
        self.properties = dict(SELF_SERVICE_GROUPS, **properties)
        self.users = dict((name, secrets.token_urlsafe(12)) for name in USERS + (ADMIN,))
        self.process = None
        self.output = []

    def start(self, timeout=90):
        paths.require_build()
        specs = []
        for name, password in sorted(self.users.items()):
            specs += ["--user", "%s:%s" % (name, password)]
        specs += ["--contacts", "alice:bob"]
        for group in GROUPS:
            specs += ["--group", group]
        specs += ["--admin", ADMIN]     # as Openfire's set-up makes its admin user one
        for name, value in sorted(self.properties.items()):
            specs += ["--property", "%s=%s" % (name, value)]
        command = paths.jython_command(
            [paths.PYTHON_SOURCES],
            ["-m", "sparkweb.devhost", "--port", "0", "--static", paths.WEB_DIR,
             "--stop-on-eof", "--test-routes"] + specs,
            self.jvm_options)
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        base = self._wait_ready(timeout)
        return Target("devhost", base, "example.test", dict(self.users))

    def _wait_ready(self, timeout):
        found = {}

        def read():
            for line in self.process.stdout:
                self.output.append(line)
                if line.startswith(READY) and "url" not in found:
                    found["url"] = line.split()[1]
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(0.1)
        waited = 0.0
        while "url" not in found and waited < timeout and self.process.poll() is None:
            reader.join(0.2)
            waited += 0.2
        if "url" not in found:
            self.stop()
            raise RuntimeError("dev host did not start:\n" + "".join(self.output[-40:]))
        return found["url"]

    def stop(self):
        if self.process is None:
            return
        try:
            self.process.stdin.close()
            self.process.wait(timeout=20)
        except Exception:
            self.process.kill()
            self.process.wait()
        self.process = None
