"""The real-Openfire target: SparkWeb's built jar in a real Openfire.

The Openfire comes from ``OPENFIRE_HOME`` (an unpacked distribution), which is copied to a
scratch home with an ``autosetup`` openfire.xml: embedded HSQLDB, domain ``example.test``,
loopback-only listeners on free ports, an admin and test users with fresh random passwords.
Without OPENFIRE_HOME, the official image runs through testcontainers where a Docker daemon
answers (see harness/docker.py); otherwise the target reports itself skipped with the reason.

Run as a script (``./dev run``), it starts the same set-up with demo users and waits.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import paths  # noqa: E402
from harness.target import TEST_PROPERTIES, Target  # noqa: E402

DOMAIN = "example.test"
USERS = ("alice", "bob", "carol")
ADMIN = "admin"


REQUIRE_SWITCH = "SPARKWEB_REQUIRE_OPENFIRE"


def problem():
    """Why no real Openfire can be used here, as ("skip" or "fail", reason); None when one can.

    A set OPENFIRE_HOME that is no unpacked Openfire is a mistake to report, not a reason to
    skip. With SPARKWEB_REQUIRE_OPENFIRE=1 (release checks), having no Openfire fails too.
    """
    home = os.environ.get("OPENFIRE_HOME")
    if home:
        missing = [name for name in ("lib/startup.jar", "bin/openfire.sh")
                   if not os.path.isfile(os.path.join(home, name))]
        if missing:
            return "fail", "OPENFIRE_HOME=%s is set but is not an unpacked Openfire (no %s)" % (
                home, " and no ".join(missing))
        return None
    from harness import docker
    if docker.available():
        return None
    reason = "no real Openfire: OPENFIRE_HOME is not set and no Docker daemon answers"
    if os.environ.get(REQUIRE_SWITCH, "").strip().lower() in ("1", "true", "yes"):
        return "fail", "%s=%s demands a real Openfire, but there is %s" % (
            REQUIRE_SWITCH, os.environ[REQUIRE_SWITCH], reason[len("no real Openfire: "):])
    return "skip", reason


def provision():
    if os.environ.get("OPENFIRE_HOME"):
        return LocalOpenfire(os.environ["OPENFIRE_HOME"])
    from harness import docker
    return docker.DockerOpenfire()


def separate_loopback_name():
    """A name of this machine that resolves to 127.0.0.1 (where the test Openfire listens) and
    is not localhost: a different web origin from SparkWeb's for browsers and for SparkWeb's
    upload check, without DNS. None when the machine has none (upload slot tests then skip)."""
    name = socket.gethostname().lower()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        return None
    if name in ("localhost", "127.0.0.1") or address != "127.0.0.1":
        return None
    return name


UPLOAD_HOST = separate_loopback_name()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Mutual contacts ('both' subscriptions); carol is nobody's contact.
CONTACTS = {"alice": ["bob"], "bob": ["alice"]}


def _roster_xml(name):
    return "".join("<item%d><jid>%s@%s</jid><nickname>%s</nickname></item%d>"
                   % (i, contact, DOMAIN, contact.capitalize(), i)
                   for i, contact in enumerate(CONTACTS.get(name, []), start=1))


def _properties_xml(properties):
    """Nested XML elements for dotted property names (Openfire's openfire.xml convention),
    e.g. a.b=1 and a.c=2 become <a><b>1</b><c>2</c></a>."""
    tree = {}
    for name, value in properties.items():
        node = tree
        parts = name.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError("property %s nests under a value" % name)
        node[parts[-1]] = value
    return _tree_xml(tree)


def _tree_xml(tree):
    return "".join("<%s>%s</%s>" % (key, _tree_xml(value) if isinstance(value, dict) else value,
                                    key) for key, value in sorted(tree.items()))


def server_properties(ports, extra):
    """Listeners on the given ports; every other listener off and moved to a free port (so
    that parallel test servers never collide); no calls to the update service."""
    properties = {
        "xmpp.socket.plain.port": ports["c2s"],
        "httpbind.enabled": "true",
        "httpbind.port.plain": ports["http"],
        "httpbind.port.secure": ports["https"],
        "plugins.loading.monitor.interval": "2",
        "update.service-enabled": "false",
        "xmpp.auth.anonymous": "false",
        "xmpp.proxy.enabled": "false",
        "xmpp.proxy.port": free_port(),
        "mediaproxy.enabled": "false",
        # Openfire's HTTP File Upload plugin, where installed, announces slots on the plain
        # HTTP-bind port (its default is https on the host's name), under a host name other
        # than SparkWeb's (127.0.0.1 and localhost), so that SparkWeb hands them out.
        "plugin.httpfileupload.serverspecific.announcedWebProtocol": "http",
        "plugin.httpfileupload.serverspecific.announcedWebHost": UPLOAD_HOST or "127.0.0.1",
        "plugin.httpfileupload.serverspecific.announcedWebPort": ports["http"],
    }
    for prefix in ("xmpp.socket.ssl", "xmpp.server.socket", "xmpp.server.socket.ssl",
                   "xmpp.component.socket", "xmpp.component.ssl", "xmpp.multiplex.socket",
                   "xmpp.multiplex.ssl"):
        properties[prefix + ".active"] = "false"
        properties[prefix + ".port"] = free_port()
    properties.update(extra)
    return dict((name, str(value)) for name, value in properties.items())


def autosetup_xml(ports, users, admin_password, properties=TEST_PROPERTIES):
    """openfire.xml for a first start that sets itself up (see XMPPServer.runAutoSetup)."""
    user_entries = "".join(
        "<user%d><username>%s</username><password>%s</password><name>%s</name>"
        "<email>%s@%s</email><roster>%s</roster></user%d>"
        % (i, name, password, name.capitalize(), name, DOMAIN, _roster_xml(name), i)
        for i, (name, password) in enumerate(sorted(users.items()), start=1))
    return """<?xml version="1.0" encoding="UTF-8"?>
<jive>
  <adminConsole><port>{admin}</port><securePort>-1</securePort></adminConsole>
  <locale>en</locale>
  <network><interface>127.0.0.1</interface></network>
  <connectionProvider>
    <className>org.jivesoftware.database.EmbeddedConnectionProvider</className>
  </connectionProvider>
  {properties}
  <autosetup>
    <run>true</run>
    <locale>en</locale>
    <xmpp><domain>{domain}</domain><fqdn>localhost</fqdn></xmpp>
    <encryption><algorithm>AES</algorithm><key>{encryption_key}</key></encryption>
    <admin><email>admin@{domain}</email><password>{admin_password}</password></admin>
    <users>{users}</users>
  </autosetup>
</jive>
""".format(admin=ports["admin"], c2s=ports["c2s"], http=ports["http"], https=ports["https"],
           domain=DOMAIN, encryption_key=secrets.token_hex(16), admin_password=admin_password,
           users=user_entries, properties=_properties_xml(server_properties(ports, properties)))


class LocalOpenfire(object):
    """An Openfire started from a scratch copy of OPENFIRE_HOME."""

    def __init__(self, source_home, users=USERS, java_options="", properties=TEST_PROPERTIES):
        self.java_options = java_options
        self.properties = dict(properties)
        self.source_home = source_home
        self.users = dict((name, secrets.token_urlsafe(12)) for name in users)
        self.admin_password = secrets.token_urlsafe(12)
        self.ports = dict((name, free_port()) for name in ("admin", "c2s", "http", "https"))
        os.makedirs(paths.WORK, exist_ok=True)
        self.home = tempfile.mkdtemp(prefix="openfire-", dir=paths.WORK)
        self.process = None
        self.base_url = "http://127.0.0.1:%d" % self.ports["http"]
        self.allowed_log_problems = []   # regular expressions; see expect_log_problem

    # --- set-up and start -------------------------------------------------------------------
    def prepare(self):
        shutil.rmtree(self.home)
        shutil.copytree(self.source_home, self.home, symlinks=True)
        for leftover in ("embedded-db", "logs"):
            shutil.rmtree(os.path.join(self.home, leftover), ignore_errors=True)
        all_users = dict(self.users)
        with open(os.path.join(self.home, "conf", "openfire.xml"), "w") as config:
            config.write(autosetup_xml(self.ports, all_users, self.admin_password,
                                       self.properties))
        self.install_plugin()

    # Openfire with SparkWeb (Jython) starts in ~60 s on an idle machine; 180 s was seen to be
    # too short with two Openfires starting at once under load average 30.
    def start(self, timeout=420):
        paths.require_build()
        self.prepare()
        log = open(os.path.join(self.home, "console.log"), "w")
        self.process = subprocess.Popen(
            ["bash", os.path.join(self.home, "bin", "openfire.sh")], cwd=self.home,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env=dict(os.environ, OPENFIRE_HOME=self.home,
                     OPENFIRE_OPTS=(os.environ.get("OPENFIRE_OPTS", "") + " " +
                                    self.java_options).strip()))
        self.wait_for_api(present=True, timeout=timeout)
        users = dict(self.users)
        users[ADMIN] = self.admin_password
        return Target("openfire", self.base_url, DOMAIN, users,
                      xmpp_address=("127.0.0.1", self.ports["c2s"]))

    def stop(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)
        except ProcessLookupError:
            pass                          # already gone
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    # --- the plugin -------------------------------------------------------------------------
    @property
    def plugin_jar(self):
        return os.path.join(self.home, "plugins", "sparkweb.jar")

    def install_plugin(self, jar=paths.PLUGIN_JAR):
        shutil.copyfile(jar, self.plugin_jar + ".part")
        os.rename(self.plugin_jar + ".part", self.plugin_jar)   # never a half-written jar

    def uninstall_plugin(self):
        os.remove(self.plugin_jar)

    # --- Openfire's optional plugins (Monitoring, HTTP File Upload, Bookmarks) ----------------
    # They are installed, like Openfire itself, outside the repository: a jar in
    # $OPENFIRE_HOME/plugins/ is copied into every scratch home with the rest.
    def optional_plugin_jar(self, name):
        """The scratch home's jar of Openfire plugin ``name`` (e.g. "monitoring"), or None."""
        jar = os.path.join(self.home, "plugins", name + ".jar")
        return jar if os.path.isfile(jar) else None

    def require_optional_plugin(self, name):
        """Skips the calling test, with the reason, when plugin ``name`` is not installed."""
        import pytest
        if self.optional_plugin_jar(name) is None:
            pytest.skip("Openfire's %s plugin is not installed in OPENFIRE_HOME=%s/plugins" % (
                name, self.source_home))

    def wait_for_plugin_directory(self, name, present, timeout=120):
        """Waits until Openfire has unpacked (present) or removed (not present) plugin ``name``."""
        directory = os.path.join(self.home, "plugins", name)
        deadline = time.time() + timeout
        while os.path.isdir(directory) != present:
            if time.time() > deadline:
                raise RuntimeError("plugin %s was not %s within %ds:\n%s" % (
                    name, "loaded" if present else "unloaded", timeout, self.log_tail()))
            time.sleep(0.25)

    def api_status(self):
        """Status of an authenticated endpoint asked without a token: 401 while SparkWeb serves."""
        try:
            return httpx.get(self.base_url + "/sparkweb/api/rest/user", timeout=5).status_code
        except httpx.TransportError:
            return None

    def wait_for_api(self, present, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError("Openfire exited:\n" + self.log_tail())
            status = self.api_status()
            if (status == 401) == present and status is not None:
                return
            time.sleep(0.25)
        raise RuntimeError("SparkWeb %s within %ds:\n%s" % (
            "did not appear" if present else "did not go away", timeout, self.log_tail()))

    # --- observation ------------------------------------------------------------------------
    def log_text(self):
        chunks = []
        for name in ("logs/openfire.log", "console.log"):
            try:
                with open(os.path.join(self.home, name), errors="replace") as log:
                    chunks.append(log.read())
            except IOError:
                pass
        return "\n".join(chunks)

    def read_log(self, name):
        try:
            with open(os.path.join(self.home, name), errors="replace") as log:
                return log.read()
        except IOError:
            return ""

    def expect_log_problem(self, pattern):
        """Tells the log check (tests/openfire) that warnings or errors matching ``pattern`` (a
        regular expression) were provoked on purpose."""
        self.allowed_log_problems.append(pattern)

    def sparkweb_log_problems(self):
        """Warnings and errors SparkWeb caused, in Openfire's log (see harness.openfire_log)."""
        from harness.openfire_log import sparkweb_problems
        return sparkweb_problems(self.read_log("logs/openfire.log"), self.read_log("console.log"),
                                 self.allowed_log_problems)

    def wait_for_log(self, text, count, timeout=120):
        """Waits until Openfire's log holds ``text`` at least ``count`` times."""
        deadline = time.time() + timeout
        while self.read_log("logs/openfire.log").count(text) < count:
            if time.time() > deadline:
                raise RuntimeError("%r did not appear %d times in Openfire's log within %ds:\n%s"
                                   % (text, count, timeout, self.log_tail()))
            time.sleep(0.25)

    def log_tail(self, lines=60):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def live_plugin_classloaders(self, rounds=4):
        """PluginClassLoader instances alive after full GCs. An unloaded plugin's objects that
        wait for Java finalizers (Jython's finalize triggers) stay reachable through the
        finalizer queue until their finalizer has run, and one finalizable object reachable
        only from another one waits for the next GC: so GCs run, with time for the finalizer
        thread, until the count stops falling (a plugin really kept alive survives them all)."""
        counts = []
        for _ in range(rounds):
            subprocess.run(["jcmd", str(self.process.pid), "GC.run"], capture_output=True,
                           timeout=120)
            time.sleep(1)
            counts.append(self._plugin_classloaders_in_histogram())
            if len(counts) > 1 and counts[-1] >= counts[-2]:
                break
        return counts[-1]

    def _plugin_classloaders_in_histogram(self):
        """The histogram forces a full GC of its own before counting."""
        histogram = subprocess.run(["jcmd", str(self.process.pid), "GC.class_histogram"],
                                   capture_output=True, text=True, timeout=120).stdout
        for line in histogram.splitlines():
            fields = line.split()
            if fields and fields[-1] == "org.jivesoftware.openfire.container.PluginClassLoader":
                return int(fields[1])
        raise RuntimeError("no PluginClassLoader in the class histogram")

    def thread_names(self):
        """Names of the live threads of Openfire's JVM."""
        dump = subprocess.run(["jcmd", str(self.process.pid), "Thread.print"],
                              capture_output=True, text=True, timeout=120).stdout
        return [line.split('"')[1] for line in dump.splitlines() if line.startswith('"')]

    def thread_count(self):
        """Live threads of Openfire's JVM (the java process under openfire.sh's exec)."""
        with open("/proc/%d/status" % self.process.pid) as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        raise RuntimeError("no thread count for pid %d" % self.process.pid)


def demo():
    """``./dev run``: SparkWeb in Openfire with demo users, until interrupted."""
    trouble = problem()
    if trouble or not os.environ.get("OPENFIRE_HOME"):
        sys.exit(trouble[1] if trouble else "./dev run starts Openfire from OPENFIRE_HOME only")
    server = LocalOpenfire(os.environ["OPENFIRE_HOME"], properties={})   # production defaults
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))   # stop Openfire on kill too
    print("Starting Openfire from %s in %s ..." % (server.source_home, server.home))
    target = server.start()
    print("SparkWeb is serving.")
    print("  REST API     %s/" % target.rest_url)
    print("  SSE          %s/sparkweb/sse" % target.base_url)
    print("  chat client  http://localhost:%d/sparkweb/  (one user per browser: sign in as a "
          "second user in a private window)" % server.ports["http"])
    print("  API docs     %s/sparkweb/api/docs" % target.base_url)
    print("  passkeys     http://localhost:%d/sparkweb/passkeys.html  (browsers allow passkeys "
          "on localhost, never on 127.0.0.1)" % server.ports["http"])
    print("  admin console http://127.0.0.1:%d  (admin / %s)" % (
        server.ports["admin"], server.admin_password))
    print("  XMPP         127.0.0.1:%d, domain %s" % (server.ports["c2s"], DOMAIN))
    for name in USERS:
        print("  user         %s / %s" % (name, server.users[name]))
    print("Press Ctrl-C to stop.")
    try:
        while server.process.poll() is None:
            time.sleep(1)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.stop()
        print("Openfire stopped.")


if __name__ == "__main__" and "--demo" in sys.argv:
    demo()
