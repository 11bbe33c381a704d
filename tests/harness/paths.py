"""Locations of the sources and of the build outputs the tests use."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON_SOURCES = os.path.join(ROOT, "src", "main", "python")
WEB_DIR = os.path.join(ROOT, "web")
BUILD = os.path.join(ROOT, "build")
DEVHOST_LIB = os.path.join(BUILD, "devhost", "lib")
PLUGIN_JAR = os.path.join(BUILD, "sparkweb.jar")
import os as _os
LOG_LEVEL = _os.environ.get("SPARKWEB_TEST_LOG_LEVEL", "warn")
WORK = os.path.join(ROOT, "tests", ".work")   # scratch space, ignored by git


def require_build():
    """Fail clearly when the Gradle outputs the tests need are missing."""
    missing = [p for p in (DEVHOST_LIB, PLUGIN_JAR) if not os.path.exists(p)]
    if missing:
        raise RuntimeError("Build outputs missing (%s); run `./dev test`, which builds first, "
                           "or `gradle assemble`." % ", ".join(missing))


def jython_command(python_path, args, jvm_options=()):
    """A command line running Jython on the dev-host classpath, importing from
    ``python_path`` (a list of directories)."""
    return ["java", "-Xss4m"] + list(jvm_options) + [
            "-Dpython.path=" + os.pathsep.join(python_path),
            "-cp", os.path.join(DEVHOST_LIB, "*"),
            "-Dpython.import.site=false", "-Dpython.cachedir.skip=true",
            "-Dpython.console.encoding=UTF-8",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=" + LOG_LEVEL + "",
            "org.python.util.jython"] + list(args)
