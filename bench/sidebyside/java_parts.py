"""The benchmark's Java parts, compiled by the benchmark into tests/.work (never into the plugin):
the load generator (java/Hammer.java) and the ceiling plugin (java/ceiling/: a plain servlet
on Openfire's Jetty answering GET /user's JSON), and running the generator."""
import glob
import json
import os
import shutil
import subprocess
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = os.path.join(HERE, "java")


def missing():
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            return "%s is not on the PATH (a JDK 17 is needed)" % tool
    return None


def build(work_dir, openfire_home):
    """Compiles both; returns (hammer class directory, ceiling plugin jar)."""
    out = os.path.join(work_dir, "bench-java")
    shutil.rmtree(out, ignore_errors=True)
    hammer, ceiling = os.path.join(out, "hammer"), os.path.join(out, "ceiling")
    subprocess.run(["javac", "-d", hammer, os.path.join(SOURCES, "Hammer.java")], check=True)
    subprocess.run(["javac", "-cp", os.path.join(openfire_home, "lib", "*"), "-d", ceiling,
                    os.path.join(SOURCES, "ceiling", "CeilingPlugin.java")], check=True)
    jar = os.path.join(out, "benchceiling.jar")
    with zipfile.ZipFile(jar, "w") as archive:   # a plugin's classes/ is on its classpath
        archive.write(os.path.join(SOURCES, "ceiling", "plugin.xml"), "plugin.xml")
        for compiled in glob.glob(os.path.join(ceiling, "*.class")):
            archive.write(compiled, "classes/" + os.path.basename(compiled))
    return hammer, jar


def hammer(classes, host, port, method, path, connections=16, seconds=10.0, bucket_ms=1000,
           headers=(), body=None, sse=None, xmpp=None, timeout_extra=60):
    """Runs the generator; its JSON summary as a dict."""
    args = ["java", "-Xmx256m", "-XX:+UseSerialGC", "-cp", classes, "Hammer", host, str(port),
            str(connections), str(seconds), str(bucket_ms), method, path]
    args += ["header=" + header for header in headers]
    if body is not None:
        args.append("body=" + body)
    if sse is not None:
        args.append("sse=" + sse)
    if xmpp is not None:
        args.append("xmpp=" + xmpp)
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + timeout_extra)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError("load generator failed (%d): %s" % (done.returncode,
                                                               done.stderr[-1000:]))
    result = json.loads(lines[-1])
    if done.stderr.strip():
        result["generator_stderr"] = done.stderr.strip()[-300:]
    return result
