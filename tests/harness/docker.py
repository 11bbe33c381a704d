"""Openfire in Docker through testcontainers, for machines that have a Docker daemon.

Uses the official image ``ghcr.io/igniterealtime/openfire`` with the same autosetup
openfire.xml and the freshly built jar mounted into its plugins directory.
"""
import os
import secrets
import subprocess
import tempfile
import time

from harness import paths
from harness.target import Target

IMAGE = os.environ.get("SPARKWEB_OPENFIRE_IMAGE", "ghcr.io/igniterealtime/openfire:v5.0.5")


def available():
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class DockerOpenfire(object):
    def __init__(self):
        from harness.openfire import USERS
        self.users = dict((name, secrets.token_urlsafe(12)) for name in USERS)
        self.admin_password = secrets.token_urlsafe(12)
        self.container = None

    def start(self, timeout=240):
        from testcontainers.core.container import DockerContainer
        from harness.openfire import ADMIN, DOMAIN, autosetup_xml
        paths.require_build()
        ports = {"admin": 9090, "c2s": 5222, "http": 7070, "https": 7443}
        config_dir = tempfile.mkdtemp(prefix="openfire-conf-", dir=paths.WORK)
        with open(os.path.join(config_dir, "openfire.xml"), "w") as config:
            config.write(autosetup_xml(ports, self.users, self.admin_password)
                         .replace("<interface>127.0.0.1</interface>", "<interface></interface>"))
        self.container = (DockerContainer(IMAGE)
                          .with_exposed_ports(5222, 7070)
                          .with_volume_mapping(config_dir, "/var/lib/openfire/conf", "rw")
                          .with_volume_mapping(paths.PLUGIN_JAR,
                                               "/var/lib/openfire/plugins/sparkweb.jar", "ro"))
        self.container.start()
        host = self.container.get_container_host_ip()
        base = "http://%s:%s" % (host, self.container.get_exposed_port(7070))
        self._wait(base, timeout)
        users = dict(self.users)
        users[ADMIN] = self.admin_password
        return Target("openfire-docker", base, DOMAIN, users,
                      xmpp_address=(host, int(self.container.get_exposed_port(5222))))

    def _wait(self, base, timeout):
        import httpx
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if httpx.get(base + "/sparkweb/api/rest/user", timeout=5).status_code == 401:
                    return
            except httpx.TransportError:
                pass
            time.sleep(1)
        raise RuntimeError("SparkWeb did not answer in the Openfire container")

    def stop(self):
        if self.container is not None:
            self.container.stop()
            self.container = None
