"""What build/sparkweb.jar ships: the plugin, not the dev host nor its test-only routes."""
import zipfile

from harness import paths


def test_the_plugin_jar_does_not_ship_the_dev_host():
    paths.require_build()
    with zipfile.ZipFile(paths.PLUGIN_JAR) as jar:
        names = jar.namelist()
    python = [name for name in names if name.startswith("python/sparkweb/")]
    assert python, "no Python modules in the plugin jar at all: %r" % names[:20]
    shipped = [name for name in python if name.startswith("python/sparkweb/devhost")]
    assert not shipped, "the dev host ships in the plugin: %r" % shipped
