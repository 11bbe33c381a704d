"""ejabberd (Debian's package) as the benchmark's peer: started on loopback with a generated
configuration and its own spool directory, its HTTP API (mod_http_api) allowed from loopback
only, users registered through that API. Nothing is installed here: :func:`missing` says what
is absent.

It runs as ``erl ... -s ejabberd`` without a node name, so there is no Erlang distribution
port, no epmd and no cookie; ``ejabberdctl`` is not needed (it would switch to the ejabberd
system user and share /var/lib/ejabberd).
"""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time

import httpx

DOMAIN = "bench.test"
ERL = "/usr/bin/erl"


def _library():
    found = sorted(glob.glob("/usr/lib/*/ejabberd-*/ebin/ejabberd.beam"))
    return os.path.dirname(os.path.dirname(os.path.dirname(found[-1]))) if found else None


def missing():
    """Why ejabberd cannot run here (None when it can)."""
    if not os.path.exists(ERL) or _library() is None:
        return ("ejabberd is not installed (Debian: `apt-get install ejabberd`; the benchmark "
                "installs nothing itself)")
    return None


CONFIG = """loglevel: warning
hosts:
  - {domain}
listen:
  -
    port: {c2s}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: false
    max_stanza_size: 262144
  -
    port: {http}
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /api: mod_http_api
auth_password_format: plain
acl:
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  c2s:
    allow: all
api_permissions:
  "benchmark, from loopback only":
    from:
      - mod_http_api
    who:
      access:
        allow:
          - acl: loopback
    what: "*"
shaper_rules:
  c2s_shaper: none
modules:
  mod_http_api: {{}}
  mod_admin_extra: {{}}
  mod_roster: {{}}
  mod_disco: {{}}
  mod_ping: {{}}
"""


class Ejabberd(object):
    def __init__(self, ports, users, work_dir):
        self.ports = ports
        self.users = users
        self.home = tempfile.mkdtemp(prefix="ejabberd-", dir=work_dir)
        self.process = None
        self.api = "http://127.0.0.1:%d/api" % ports["http"]

    def start(self, timeout=120):
        spool, logs = os.path.join(self.home, "spool"), os.path.join(self.home, "logs")
        os.makedirs(spool)
        os.makedirs(logs)
        config = os.path.join(self.home, "ejabberd.yml")
        with open(config, "w") as out:
            out.write(CONFIG.format(domain=DOMAIN, **self.ports))
        if os.path.exists("/etc/ejabberd/inetrc"):      # the package's resolver settings
            shutil.copyfile("/etc/ejabberd/inetrc", os.path.join(self.home, "inetrc"))
        env = dict(os.environ, EJABBERD_CONFIG_PATH=config, HOME=self.home,
                   EJABBERD_LOG_PATH=os.path.join(logs, "ejabberd.log"), ERL_LIBS=_library(),
                   ERL_INETRC=os.path.join(self.home, "inetrc"), ERL_CRASH_DUMP_BYTES="0")
        self.process = subprocess.Popen(
            [ERL, "+K", "true", "-noinput", "-mnesia", "dir", '"%s"' % spool, "-s", "ejabberd"],
            cwd=self.home, env=env, stdout=open(os.path.join(logs, "console.log"), "w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("ejabberd exited: see %s" % logs)
            try:
                if httpx.post(self.api + "/status", json={}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("ejabberd's API did not answer within %d s" % timeout)
        for name, password in self.users.items():
            answer = httpx.post(self.api + "/register", timeout=10, json={
                "user": name, "host": DOMAIN, "password": password})
            if answer.status_code != 200:
                raise RuntimeError("registering %s: %s %s" % (name, answer.status_code,
                                                            answer.text))
        return self

    def pid(self):
        return self.process.pid if self.process else None

    def stop(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
        shutil.rmtree(self.home, ignore_errors=True)
