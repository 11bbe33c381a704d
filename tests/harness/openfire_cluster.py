"""Two Openfire nodes clustered with Openfire's Hazelcast plugin over one shared PostgreSQL
database, both with SparkWeb, on one machine (issue 17).

- A scratch PostgreSQL server (harness/postgres.py) holds the database ``openfire`` both use.
- Node 1 (127.0.0.1) sets itself up from ``autosetup`` as the single-node harness does
  (harness/openfire.py: its users, contacts, ports and test settings), with the standard
  connection provider on that database; Openfire creates its schema and SparkWeb's there.
- Node 2 (127.0.0.2) starts from node 1's openfire.xml after set-up (its own interface, admin
  port and a fresh cluster node id) and node 1's ``security.xml``, so properties encrypted on
  one node read on the other. The other settings, ports among them, live in the shared
  database: each node listens on the same ports on its own loopback address.
- Hazelcast joins over TCP on loopback, multicast off (``conf/hazelcast-local-config.xml`` of
  each home, which the plugin's configuration imports), bound to its node's address only.

The Hazelcast plugin is built and installed outside the repository, like Openfire itself:
OPENFIRE_HAZELCAST_PLUGIN names its jar (e.g. /opt/openfire-plugins/hazelcast.jar).
``problem()`` says why no cluster can run here; the tests then skip with that reason.
"""
import os
import secrets
import shutil
import signal
import socket
import time
import xml.etree.ElementTree as ET

from harness import openfire, postgres
from harness.openfire import LocalOpenfire

PLUGIN_VARIABLE = "OPENFIRE_HAZELCAST_PLUGIN"
ADDRESSES = ("127.0.0.1", "127.0.0.2")
DATABASE = "openfire"
# Hazelcast settings read from system properties: the node's own address (127.0.0.2 is no
# interface address Hazelcast could match, only a route of lo), bound to that address alone,
# and no calls home to hazelcast.com. For the split test (test_cluster_split.py), tests only:
# a member silent for 15 s is dropped (default 60 s), and a split is looked for every 30 s
# (defaults: 300 s after start, then every 120 s).
JAVA_OPTIONS = ("-Dhazelcast.local.localAddress=%s -Dhazelcast.socket.bind.any=false "
                "-Dhazelcast.phone.home.enabled=false "
                "-Dhazelcast.heartbeat.interval.seconds=1 "
                "-Dhazelcast.max.no.heartbeat.seconds=%d "
                "-Dhazelcast.merge.first.run.delay.seconds=30 "
                "-Dhazelcast.merge.next.run.delay.seconds=30")
SILENT_MEMBER_SECONDS = 15
# Openfire's own plugins only: optional ones copied from OPENFIRE_HOME (Monitoring and the like)
# are not what these tests are about and only load the machine.
KEPT_PLUGINS = ("admin",)
HAZELCAST_LOCAL_CONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<hazelcast xmlns="http://www.hazelcast.com/schema/config"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xsi:schemaLocation="http://www.hazelcast.com/schema/config
           https://www.hazelcast.com/schema/config/hazelcast-config-5.5.xsd">
    <network>
        <port auto-increment="false">{port}</port>
        <join>
            <multicast enabled="false"/>
            <tcp-ip enabled="true">{members}</tcp-ip>
        </join>
    </network>
</hazelcast>
"""


def problem():
    """Why no two-node cluster can run here, as ("skip" or "fail", reason); None when it can."""
    if not os.environ.get("OPENFIRE_HOME"):
        return "skip", "the cluster tests need OPENFIRE_HOME (an unpacked Openfire 5.1)"
    trouble = openfire.problem()
    if trouble is not None:
        return trouble
    jar = os.environ.get(PLUGIN_VARIABLE)
    if not jar:
        return "skip", ("the cluster tests need Openfire's Hazelcast plugin: set %s to its jar "
                        "(built from igniterealtime/openfire-hazelcast-plugin)" % PLUGIN_VARIABLE)
    if not os.path.isfile(jar):
        return "fail", "%s=%s is set but is no file" % (PLUGIN_VARIABLE, jar)
    trouble = postgres.problem()
    if trouble is not None:
        return trouble[0], "the cluster's shared database: " + trouble[1]
    try:
        with socket.socket() as probe:
            probe.bind((ADDRESSES[1], 0))
    except OSError as error:
        return "skip", "loopback address %s is not usable here: %s" % (ADDRESSES[1], error)
    return None


def free_port_on_every_address():
    """A port free on both nodes' addresses (they listen on the same ports)."""
    for _ in range(50):
        port = openfire.free_port()
        try:
            with socket.socket() as probe:
                probe.bind((ADDRESSES[1], port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on both %s and %s" % ADDRESSES)


def _set(root, path, text):
    """Sets the text of element ``path`` (slash-separated) of ``root``, creating it."""
    node = root
    for name in path.split("/"):
        child = node.find(name)
        if child is None:
            child = ET.SubElement(node, name)
        node = child
    node.text = text
    node.attrib.pop("encrypted", None)


class ClusterNode(LocalOpenfire):
    """One node: a scratch home of OPENFIRE_HOME with SparkWeb and the Hazelcast plugin, its
    openfire.xml written by the cluster, listening on ``address``."""

    def __init__(self, cluster, index, openfire_xml):
        LocalOpenfire.__init__(self, os.environ["OPENFIRE_HOME"],
                               java_options=JAVA_OPTIONS % (ADDRESSES[index],
                                                            SILENT_MEMBER_SECONDS),
                               properties=cluster.properties)
        self.cluster = cluster
        self.index = index
        self.address = ADDRESSES[index]
        self.users = cluster.users
        self.admin_password = cluster.admin_password
        self.ports = dict(cluster.ports, admin=cluster.admin_ports[index])
        self.base_url = "http://%s:%d" % (self.address, self.ports["http"])
        self._openfire_xml = openfire_xml

    def prepare(self):
        shutil.rmtree(self.home)
        shutil.copytree(self.source_home, self.home, symlinks=True)
        for leftover in ("embedded-db", "logs"):
            shutil.rmtree(os.path.join(self.home, leftover), ignore_errors=True)
        plugins = os.path.join(self.home, "plugins")
        for name in os.listdir(plugins):
            if name not in KEPT_PLUGINS:
                path = os.path.join(plugins, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        conf = os.path.join(self.home, "conf")
        with open(os.path.join(conf, "openfire.xml"), "w") as config:
            config.write(self._openfire_xml())
        if self.index > 0:        # the key that decrypts the encrypted properties
            first = self.cluster.nodes[0].home
            shutil.copyfile(os.path.join(first, "conf", "security.xml"),
                            os.path.join(conf, "security.xml"))
            # and the domain's certificate, made by node 1's set-up: without it node 2 offers
            # XMPP clients no TLS, hence no way to sign in
            keystore = os.path.join("resources", "security", "keystore")
            shutil.copyfile(os.path.join(first, keystore), os.path.join(self.home, keystore))
        members = "".join("<member>%s:%d</member>" % (address, port) for address, port in
                          zip(ADDRESSES, self.cluster.hazelcast_ports))
        with open(os.path.join(conf, "hazelcast-local-config.xml"), "w") as config:
            config.write(HAZELCAST_LOCAL_CONFIG.format(
                port=self.cluster.hazelcast_ports[self.index], members=members))
        shutil.copyfile(os.environ[PLUGIN_VARIABLE],
                        os.path.join(self.home, "plugins", "hazelcast.jar"))
        self.install_plugin()

    def start(self, timeout=420):
        target = LocalOpenfire.start(self, timeout)
        target.name = "openfire-node%d" % (self.index + 1)
        target.xmpp_address = (self.address, self.ports["c2s"])
        return target

    def freeze(self):
        """SIGSTOP to the node's process group: its JVM stops answering (a split, for the
        other node, once Hazelcast misses its heartbeats)."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.killpg(self.process.pid, signal.SIGCONT)

    def alone_count(self):
        """How often Hazelcast logged this node as a cluster of one (after a split)."""
        return self.read_log("logs/openfire.log").count("Members {size:1,")

    def cluster_size_logged(self):
        """The member count of Hazelcast's latest "Members {size:N" line in this node's log."""
        text = self.read_log("logs/openfire.log")
        at = text.rfind("Members {size:")
        if at < 0:
            return 0
        return int(text[at + len("Members {size:"):].split(",", 1)[0])


class OpenfireCluster(object):
    """``start()`` brings up the database and both nodes and waits until they joined; then
    ``targets`` are the nodes as black-box targets; ``stop()`` ends all of it."""

    def __init__(self, properties=openfire.TEST_PROPERTIES):
        self.properties = dict(properties)
        self.users = dict((name, secrets.token_urlsafe(12)) for name in openfire.USERS)
        self.admin_password = secrets.token_urlsafe(12)
        self.ports = dict((name, free_port_on_every_address())
                          for name in ("c2s", "http", "https"))
        self.admin_ports = [free_port_on_every_address() for _ in ADDRESSES]
        self.hazelcast_ports = [free_port_on_every_address() for _ in ADDRESSES]
        self.database = postgres.ScratchPostgres()
        self.nodes = []
        self.targets = []

    def _first_node_xml(self):
        root = ET.fromstring(openfire.autosetup_xml(
            dict(self.ports, admin=self.admin_ports[0]), self.users, self.admin_password,
            self.properties))
        _set(root, "connectionProvider/className",
             "org.jivesoftware.database.DefaultConnectionProvider")
        _set(root, "autosetup/database/mode", "standard")
        for name, value in (("driver", "org.postgresql.Driver"),
                            ("serverURL", self.database.jdbc_url(DATABASE).split("?")[0]),
                            ("username", postgres.ROLE), ("password", "trust-authentication"),
                            ("maxConnections", "40")):
            _set(root, "autosetup/database/defaultProvider/" + name, value)
        _set(root, "clustering/enabled", "true")
        return ET.tostring(root, encoding="unicode")

    def _second_node_xml(self):
        """Node 1's openfire.xml after its set-up, made node 2's."""
        root = ET.parse(os.path.join(self.nodes[0].home, "conf", "openfire.xml")).getroot()
        _set(root, "network/interface", ADDRESSES[1])
        _set(root, "adminConsole/port", str(self.admin_ports[1]))
        clustering = root.find("clustering")
        if clustering is not None and clustering.find("nodeid") is not None:
            clustering.remove(clustering.find("nodeid"))   # each node has its own id
        if root.find("autosetup") is not None:
            root.remove(root.find("autosetup"))
        return ET.tostring(root, encoding="unicode")

    def start(self, timeout=600):
        try:
            self.database.start()
            self.database.psql("CREATE DATABASE %s" % DATABASE)
            self.nodes.append(ClusterNode(self, 0, self._first_node_xml))
            self.targets.append(self.nodes[0].start())
            self.nodes.append(ClusterNode(self, 1, self._second_node_xml))
            self.targets.append(self.nodes[1].start())
            self.wait_until_joined(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_until_joined(self, timeout):
        deadline = time.time() + timeout
        while any(node.cluster_size_logged() != len(ADDRESSES) for node in self.nodes):
            if time.time() > deadline:
                raise RuntimeError("the nodes did not form a cluster of %d within %d s:\n%s" % (
                    len(ADDRESSES), timeout,
                    "\n".join(node.log_tail(30) for node in self.nodes)))
            time.sleep(0.5)

    def stop(self):
        """Stops both nodes and the database; removes the homes (315 MB each) unless
        SPARKWEB_KEEP_CLUSTER=1 keeps them for a look at their logs."""
        for node in reversed(self.nodes):
            node.stop()
        self.database.stop()
        if os.environ.get("SPARKWEB_KEEP_CLUSTER", "") != "1":
            for node in self.nodes:
                shutil.rmtree(node.home, ignore_errors=True)
