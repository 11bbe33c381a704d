"""JFR recordings of the benchmarked Openfire, started and stopped with ``jcmd``."""
import os
import subprocess


def start_jfr(pid, output, name="sidebyside"):
    subprocess.run(["jcmd", str(pid), "JFR.start", "name=" + name, "settings=profile",
                    "filename=" + os.path.abspath(output)], capture_output=True, timeout=60)


def stop_jfr(pid, output, name="sidebyside"):
    subprocess.run(["jcmd", str(pid), "JFR.stop", "name=" + name,
                    "filename=" + os.path.abspath(output)], capture_output=True, timeout=120)
