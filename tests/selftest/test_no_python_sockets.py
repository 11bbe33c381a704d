"""SparkWeb's modules on Openfire never import Python's socket layer (socket, or urllib and the
like, which import it). In Jython, importing it makes ``_socket``'s Netty event loop group,
whose threads ("Jython-Netty-Client-N") are shut down at interpreter clean-up and finish after
the unloaded plugin's classloader is closed: NoClassDefFoundError in Openfire's console, seen
once in a run of tests/openfire's log check after SparkWeb was unloaded. Network access goes
through Java (outbound/wire.py). The dev host (devhost.py) is not loaded by Openfire."""
import os
import re

from harness import paths

PACKAGE = os.path.join(paths.PYTHON_SOURCES, "sparkweb")
SOCKET_IMPORTERS = ("socket", "_socket", "ssl", "urllib", "urllib2", "httplib", "SocketServer",
                    "mimetypes", "smtplib", "ftplib", "telnetlib", "asyncore", "select")
IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w.]*)", re.MULTILINE)
NOT_ON_OPENFIRE = ("devhost.py",)


def test_no_module_loaded_by_openfire_imports_the_socket_layer():
    found = []
    for directory, _, names in os.walk(PACKAGE):
        for name in names:
            if not name.endswith(".py") or name in NOT_ON_OPENFIRE:
                continue
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as source:
                modules = IMPORT.findall(source.read())
            found += ["%s: %s" % (os.path.relpath(path, PACKAGE), module)
                      for module in modules if module.split(".")[0] in SOCKET_IMPORTERS]
    assert not found, "imports of Python's socket layer: %s" % found
