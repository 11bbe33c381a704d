"""Every method of the Openfire facade has a caller outside the facade package: a method nobody
calls is still implemented twice (live and memory) and has to be kept right for nothing."""
import os
import re

from harness import paths

PACKAGE = os.path.join(paths.PYTHON_SOURCES, "sparkweb")
FACADE = os.path.join(PACKAGE, "openfire", "facade.py")


def facade_methods():
    with open(FACADE) as source:
        text = source.read()
    interface = text[text.index("class OpenfireFacade"):]
    return re.findall(r"^    def ([a-z]\w*)\(", interface, re.MULTILINE)


def code_outside_the_facade():
    texts = []
    for directory, _, names in os.walk(PACKAGE):
        if os.path.basename(directory) == "openfire":
            continue
        for name in names:
            if name.endswith(".py"):
                with open(os.path.join(directory, name)) as source:
                    texts.append(source.read())
    return "\n".join(texts)


def test_every_facade_method_has_a_caller():
    methods = facade_methods()
    assert len(methods) > 10, "facade methods not found: %s" % methods
    code = code_outside_the_facade()
    uncalled = [name for name in methods if not re.search(r"\.%s\(" % name, code)]
    assert not uncalled, "facade methods nobody calls: %s" % ", ".join(uncalled)
