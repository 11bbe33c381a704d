"""A scratch PostgreSQL server of the tests' own: ``initdb`` into a temporary directory, started
on a free loopback port (TCP on 127.0.0.1 only, its Unix socket inside that directory), trust
authentication for the one role ``sparkweb``, fsync off, and removed again on ``stop()``.

The binaries come from Debian's ``postgresql`` package (``/usr/lib/postgresql/<version>/bin``)
or the PATH. PostgreSQL refuses to run as root: as root the server runs as the ``postgres``
user the Debian package creates (the directory is handed to it); without that user it is a
reason to skip. ``problem()`` says why no server can be had, and
SPARKWEB_REQUIRE_POSTGRESQL=1 (``.ci/run`` sets it, having installed PostgreSQL) turns that
skip into a failure, so CI never passes by not running the SQL on PostgreSQL at all.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

REQUIRE_SWITCH = "SPARKWEB_REQUIRE_POSTGRESQL"
ROLE = "sparkweb"
DATABASE = "postgres"
START_SECONDS = 90


def _binaries():
    """The directory holding initdb and pg_ctl, newest Debian version first; None if none."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda path: [int(part) for part in path.split("/")[4].split(".")
                                          if part.isdigit()], reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(os.path.dirname(os.path.realpath(found)))
    for directory in candidates:
        if all(os.access(os.path.join(directory, name), os.X_OK)
               for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def _server_user():
    """The account to run the server as: ourselves, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return False


def problem():
    """Why no scratch PostgreSQL can be started here, as ("skip" or "fail", reason); None when
    one can."""
    reason = None
    if _binaries() is None:
        reason = ("PostgreSQL is not installed (no initdb/pg_ctl/postgres in "
                  "/usr/lib/postgresql/*/bin or on the PATH; Debian: apt-get install postgresql)")
    elif _server_user() is False:
        reason = ("running as root and there is no 'postgres' user to run PostgreSQL as "
                  "(PostgreSQL refuses to run as root)")
    if reason is None:
        return None
    if os.environ.get(REQUIRE_SWITCH, "").strip().lower() in ("1", "true", "yes"):
        return "fail", "%s=%s demands PostgreSQL, but %s" % (
            REQUIRE_SWITCH, os.environ[REQUIRE_SWITCH], reason)
    return "skip", reason


def free_port(host="127.0.0.1"):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class ScratchPostgres(object):
    """One server; ``start()`` then ``jdbc_url()``; ``stop()`` removes every trace."""

    def __init__(self):
        self.bin = _binaries()
        self.user = _server_user()
        self.port = None
        self.directory = None

    @property
    def data(self):
        return os.path.join(self.directory, "data")

    @property
    def log_path(self):
        return os.path.join(self.directory, "server.log")

    def _run(self, args, timeout):
        """Runs a PostgreSQL program as the server's account; its output on failure."""
        kwargs = {}
        if self.user:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid,
                      "extra_groups": [], "cwd": self.directory}
        done = subprocess.run([os.path.join(self.bin, args[0])] + list(args[1:]),
                              capture_output=True, text=True, timeout=timeout, **kwargs)
        if done.returncode != 0:
            raise RuntimeError("%s failed (%d): %s %s" % (args[0], done.returncode,
                                                          done.stdout[-2000:],
                                                          done.stderr[-2000:]))
        return done.stdout

    def start(self):
        self.directory = tempfile.mkdtemp(prefix="sparkweb-pg-")
        if self.user:
            os.chown(self.directory, self.user.pw_uid, self.user.pw_gid)
        try:
            self._run(["initdb", "-D", self.data, "-U", ROLE, "--auth=trust", "--no-sync",
                       "--encoding=UTF8", "--locale=C"], timeout=START_SECONDS)
            for attempt in range(3):    # the free port can be taken before the server binds it
                self.port = free_port()
                options = ("-h 127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off "
                           "-c full_page_writes=off -c max_connections=200"
                           % (self.port, self.directory))
                try:
                    self._run(["pg_ctl", "-D", self.data, "-l", self.log_path, "-o", options,
                               "-w", "-t", str(START_SECONDS), "start"],
                              timeout=START_SECONDS + 10)
                    return self
                except RuntimeError:
                    if attempt == 2 or "already in use" not in self.log_text():
                        raise
        except BaseException:
            self.stop()
            raise
        return self

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as log:
                return log.read()
        except OSError:
            return ""

    def jdbc_url(self, database=DATABASE):
        return "jdbc:postgresql://127.0.0.1:%d/%s?user=%s" % (self.port, database, ROLE)

    def psql(self, sql, database=DATABASE):
        """Runs SQL through psql (the harness's own set-up, e.g. CREATE DATABASE)."""
        psql = os.path.join(self.bin, "psql")
        if not os.access(psql, os.X_OK):
            psql = shutil.which("psql")
        done = subprocess.run([psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE,
                               "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError("psql failed: %s" % done.stderr[-2000:])
        return done.stdout

    def stop(self):
        if self.directory is None:
            return
        try:
            if os.path.exists(os.path.join(self.data, "postmaster.pid")):
                self._run(["pg_ctl", "-D", self.data, "-m", "immediate", "-w", "-t", "60",
                           "stop"], timeout=70)
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
