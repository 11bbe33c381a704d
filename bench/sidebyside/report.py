"""The side-by-side benchmark's table: figures, ratios against the targets of issue 16, and the
generator's own limits next to each figure."""

SEND_LAG_LIMIT_MS = 5.0     # beyond this the generator, not the server, set the pace
GENERATOR_CPU_LIMIT = 0.8   # the generator's share of one core in the throughput runs


def _f(value, digits=2):
    return "-" if value is None else ("%.*f" % (digits, value))


def _ratio(mine, theirs):
    if mine is None or not theirs:
        return None
    return float(mine) / float(theirs)


def _row(rows, name, rate=None):
    for row in rows:
        if row.get("name") == name and (rate is None or row.get("rate") == rate):
            return row
    return {}


def _latency_block(result, rate):
    rows = [row for row in result.get("latency", []) if row.get("rate") == rate]
    lines = ["", "Latency at %d msg/s (each path %s s after 3 s unmeasured)" % (
        rate, _f(rows[0].get("seconds"), 0) if rows else "?"),
        "  %-36s %8s %8s %8s %11s %10s %10s  %s" % (
            "path", "p50 ms", "p99 ms", "max ms", "recv/sent", "sendlag99", "looplag99",
            "load avg")]
    for row in rows:
        if "error" in row:
            lines.append("  %-36s FAILED: %s" % (row["name"], row["error"][:120]))
            continue
        flag = " (generator-limited)" if (row.get("send_lag_p99_ms") or 0) > SEND_LAG_LIMIT_MS \
            or (row.get("loop_lag_p99_ms") or 0) > SEND_LAG_LIMIT_MS else ""
        if row.get("received", 0) < row.get("sent", 0):
            flag += " (server fell behind: %d not delivered within 5 s)" % (
                row["sent"] - row.get("received", 0))
        lines.append("  %-36s %8s %8s %8s %5d/%-5d %10s %10s  %s%s" % (
            row["name"], _f(row.get("p50_ms")), _f(row.get("p99_ms")), _f(row.get("max_ms")),
            row.get("received", 0), row.get("sent", 0), _f(row.get("send_lag_p99_ms")),
            _f(row.get("loop_lag_p99_ms")), row.get("load_average", ["?"])[0], flag))
    sse = _row(rows, "SparkWeb REST -> SSE")
    rest_xmpp = _row(rows, "SparkWeb REST -> XMPP client")
    native = _row(rows, "Openfire native client -> client")
    ej_api = _row(rows, "ejabberd send_message -> client")
    ej_native = _row(rows, "ejabberd native client -> client")
    ratios = [
        ("REST->SSE / Openfire native", sse, native, "p50 <= 1.5x, p99 <= 3x"),
        ("REST->SSE / ejabberd send_message", sse, ej_api, ""),
        ("REST->XMPP / ejabberd send_message", rest_xmpp, ej_api, ""),
        ("Openfire native / ejabberd native", native, ej_native, ""),
    ]
    lines.append("  ratios%31s %8s %8s %8s" % ("", "p50", "p99", "max"))
    for label, mine, theirs, target in ratios:
        if not mine or not theirs:
            continue
        lines.append("  %-37s %7sx %7sx %7sx  %s" % (
            label, _f(_ratio(mine.get("p50_ms"), theirs.get("p50_ms"))),
            _f(_ratio(mine.get("p99_ms"), theirs.get("p99_ms"))),
            _f(_ratio(mine.get("max_ms"), theirs.get("max_ms"))),
            ("target " + target) if target else ""))
    if sse.get("p99_ms") is not None:
        lines.append("  REST->SSE p99 absolute: %s ms (target <= 10 ms)" % _f(sse["p99_ms"]))
    return lines


def _throughput_block(result):
    rows = result.get("throughput", [])
    lines = ["", "Throughput, closed loop",
             "  %-46s %9s %8s %8s %8s %9s  %s" % ("request", "req/s", "p50 ms", "p99 ms",
                                                  "errors", "gen cpu", "load avg")]
    for row in rows:
        if "error" in row:
            lines.append("  %-46s FAILED: %s" % (row["name"], row["error"][:120]))
            continue
        bad = sum(count for status, count in row.get("statuses", {}).items()
                  if not status.startswith("2"))
        flag = " (generator-limited)" if float(row.get("generator_cpu_share", 0)) > \
            GENERATOR_CPU_LIMIT else ""
        lines.append("  %-46s %9s %8s %8s %8s %9s  %s%s" % (
            row["name"], row.get("per_second"), row.get("p50_ms"), row.get("p99_ms"),
            "%d+%d" % (row.get("errors", 0), bad), row.get("generator_cpu_share"),
            row.get("load_average", ["?"])[0], flag))
    send = _row(rows, "SparkWeb POST /chat/message (authenticated)")
    ej = _row(rows, "ejabberd POST /api/send_message")
    get_user = _row(rows, "SparkWeb GET /user (authenticated)")
    ceiling = _row(rows, "plain servlet GET /user (same Jetty, no token)")
    for label, mine, theirs, target in (
            ("SparkWeb send / ejabberd send_message", send, ej, ">= 1.0x"),
            ("SparkWeb GET /user / plain servlet", get_user, ceiling, ">= 0.67x")):
        ratio = _ratio(mine.get("per_second"), theirs.get("per_second"))
        if ratio is not None:
            lines.append("  %-46s %8sx  target %s" % (label, _f(ratio), target))
    if not result.get("ceiling_same_json", True):
        lines.append("  NOTE: the plain servlet's JSON differs from GET /user's: %s"
                     % result.get("ceiling_differs"))
    return lines


def _warm_up_block(result):
    warm = result.get("warm_up")
    if not warm:
        return []
    reached = warm.get("seconds_to_90_percent")
    return ["", "Warm-up (GET /user from SparkWeb's first answer; plugin start %s ms)"
            % result.get("plugin_start_ms"),
            "  peak %s req/s; 90%% of it %s (target <= 15 s); per second from %s s: %s" % (
                warm["peak_per_second"],
                ("after %s s" % reached) if reached is not None else
                "not reached within %s s" % warm["window_s"], warm["offset_s"],
                " ".join(str(count) for count in warm["buckets"]))]


def table(result):
    lines = ["", "=" * 100, "SparkWeb side by side (loopback, one run; ratios are what count)",
             "load average at start %s, warm-up %s, end %s; ejabberd: %s" % (
                 result.get("load_average_start"), result.get("load_average_warm_up"),
                 result.get("load_average_end"), result.get("ejabberd"))]
    lines += _warm_up_block(result)
    for rate in result.get("rates", []):
        lines += _latency_block(result, rate)
    lines += _throughput_block(result)
    lines.append("=" * 100)
    return "\n".join(lines)
