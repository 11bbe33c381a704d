"""What a JFR recording of the benchmark says, in a few lines (uses the JDK's ``jfr`` tool):

    python3 bench/sidebyside/jfr_summary.py recording.jfr [--top 30]

- CPU: execution samples counted by every frame they pass through (inclusive), with Jython's
  generated names folded (``module$py.function$N`` -> ``module$py.function``) and library
  frames folded by package (Jersey, Jetty, jjwt, Jython's core, Openfire);
- locks: the monitors threads waited on longest (jdk.JavaMonitorEnter), by class and by the
  frame that waited;
- GC: pause count, total and longest.
"""
import argparse
import collections
import re
import subprocess

FOLDED = re.compile(r"^(org\.glassfish\.jersey|io\.jsonwebtoken|org\.eclipse\.jetty|"
                    r"org\.python\.core|com\.fasterxml|org\.jivesoftware|org\.hsqldb)\..*")
FRAME = re.compile(r"^\s+([\w.$]+)\(", re.M)


def events(recording, name, depth=64):
    return subprocess.run(["jfr", "print", "--events", name, "--stack-depth", str(depth),
                           recording], capture_output=True, text=True, check=True,
                          timeout=600).stdout.split(name + " {")[1:]


def fold(frame):
    if "$py." in frame:
        return re.sub(r"\$\d+$", "", frame)
    return FOLDED.sub(r"\1", frame.rsplit(".", 1)[0])


def cpu(recording, top):
    counts, total = collections.Counter(), 0
    for sample in events(recording, "jdk.ExecutionSample"):
        frames = FRAME.findall(sample)
        if not frames:
            continue
        total += 1
        for key in set(fold(frame) for frame in frames):
            counts[key] += 1
    print("CPU: %d execution samples; frames by share of samples (inclusive)" % total)
    for key, count in counts.most_common(top):
        print("  %5.1f%%  %s" % (100.0 * count / max(total, 1), key))


def locks(recording, top):
    by_class, by_frame = collections.Counter(), collections.Counter()
    for event in events(recording, "jdk.JavaMonitorEnter", depth=3):
        found = re.search(r"monitorClass = (\S+)", event)
        frames = FRAME.findall(event)
        millis = _duration_ms(event)
        if found:
            by_class[found.group(1)] += millis
        if frames:
            by_frame[frames[0]] += millis
    print("Locks: waits of over the threshold, total ms by monitor class, then by frame")
    for key, millis in by_class.most_common(top // 3):
        print("  %8.0f ms  %s" % (millis, key))
    for key, millis in by_frame.most_common(top // 3):
        print("  %8.0f ms  %s" % (millis, key))


def gc(recording):
    """Stop-the-world pauses (a collection's duration includes its concurrent phases)."""
    pauses = [_duration_ms(event, "longestPause") for event in
              events(recording, "jdk.GarbageCollection", 0)]
    if pauses:
        print("GC: %d collections, longest pause %.1f ms, pauses over 50 ms: %d" % (
            len(pauses), max(pauses), sum(1 for pause in pauses if pause > 50)))


def _duration_ms(event, field="duration"):
    found = re.search(field + r" = ([\d.]+) (ms|s|us)", event)
    if not found:
        return 0.0
    value = float(found.group(1))
    return value * {"ms": 1, "s": 1000, "us": 0.001}[found.group(2)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    cpu(args.recording, args.top)
    locks(args.recording, args.top)
    gc(args.recording)


if __name__ == "__main__":
    main()
