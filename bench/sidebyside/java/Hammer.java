import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Closed-loop HTTP/1.1 load for the side-by-side benchmark (bench/sidebyside_bench.py): each of
 * {@code connections} threads keeps one keep-alive connection on loopback and sends the same
 * request again as soon as the answer is in, for {@code seconds}. Java with blocking sockets,
 * so that the generator costs far less CPU than the servers it drives (both share 2 cores);
 * it reports its own CPU time so that the caller can tell when it was the limit.
 *
 * <p>Optional drains keep a recipient connected while the senders run, reading and discarding
 * what arrives: {@code sse=<path>} (an event stream on the same host) or
 * {@code xmpp=<port>,<domain>,<user>,<password>} (a plain-text XMPP client, SASL PLAIN: the
 * generated ejabberd configuration allows it on loopback).
 *
 * <p>Usage: {@code java -cp DIR Hammer host port connections seconds bucketMillis METHOD path
 * [header=Name:value]... [body=TEXT] [sse=PATH] [xmpp=...]}. Prints one JSON line.
 */
public final class Hammer {
    private static volatile boolean running = true;

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        int bucketMillis = Integer.parseInt(args[4]);
        String method = args[5];
        String path = args[6];
        StringBuilder headers = new StringBuilder();
        String body = null;
        String ssePath = null;
        String xmpp = null;
        for (int i = 7; i < args.length; i++) {
            if (args[i].startsWith("header=")) {
                headers.append(args[i].substring(7)).append("\r\n");
            } else if (args[i].startsWith("body=")) {
                body = args[i].substring(5);
            } else if (args[i].startsWith("sse=")) {
                ssePath = args[i].substring(4);
            } else if (args[i].startsWith("xmpp=")) {
                xmpp = args[i].substring(5);
            }
        }
        byte[] bodyBytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                + headers + (body == null ? "" : "Content-Length: " + bodyBytes.length + "\r\n")
                + "\r\n";
        byte[] request = concat(head.getBytes(StandardCharsets.ISO_8859_1), bodyBytes);

        AtomicLong drained = new AtomicLong();
        Thread drain = null;
        if (ssePath != null) {
            final String stream = ssePath;
            drain = startDrain(() -> sseDrain(host, port, stream, drained));
        } else if (xmpp != null) {
            String[] parts = xmpp.split(",", 4);
            drain = startDrain(() -> xmppDrain(host, Integer.parseInt(parts[0]), parts[1],
                    parts[2], parts[3], drained));
        }
        if (drain != null) {
            long deadline = System.currentTimeMillis() + 15000;
            while (drained.get() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);   // the drain counts 1 once it is connected and ready
            }
            if (drained.get() == 0) {
                throw new IllegalStateException("the recipient's connection did not come up");
            }
        }

        int buckets = (int) Math.ceil(seconds * 1000 / bucketMillis) + 1;
        AtomicLongArray perBucket = new AtomicLongArray(buckets);
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[connections][];
        int[] latencyCounts = new int[connections];
        long cpuBefore = processCpuNanos();
        long started = System.nanoTime();
        long end = started + (long) (seconds * 1e9);
        Thread[] threads = new Thread[connections];
        for (int t = 0; t < connections; t++) {
            final int index = t;
            threads[t] = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int count = 0;
                Socket socket = null;
                InputStream in = null;
                OutputStream out = null;
                while (System.nanoTime() < end) {
                    try {
                        if (socket == null) {
                            socket = new Socket();
                            socket.setTcpNoDelay(true);
                            socket.connect(new InetSocketAddress(host, port), 5000);
                            socket.setSoTimeout(10000);
                            in = new BufferedInputStream(socket.getInputStream(), 65536);
                            out = socket.getOutputStream();
                        }
                        long sent = System.nanoTime();
                        out.write(request);
                        out.flush();
                        boolean keepAlive = readResponse(in, statuses);
                        long now = System.nanoTime();
                        if (count == mine.length) {
                            mine = Arrays.copyOf(mine, mine.length * 2);
                        }
                        mine[count++] = now - sent;
                        int bucket = (int) ((now - started) / 1000000L / bucketMillis);
                        if (bucket < buckets) {
                            perBucket.incrementAndGet(bucket);
                        }
                        if (!keepAlive) {
                            socket.close();
                            socket = null;
                        }
                    } catch (IOException failure) {
                        errors.incrementAndGet();
                        try {
                            if (socket != null) {
                                socket.close();
                            }
                        } catch (IOException ignored) {
                            // closing a broken connection
                        }
                        socket = null;
                    }
                }
                try {
                    if (socket != null) {
                        socket.close();
                    }
                } catch (IOException ignored) {
                    // done anyway
                }
                latencies[index] = mine;
                latencyCounts[index] = count;
            }, "hammer-" + t);
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join((long) (seconds * 1000) + 30000);
        }
        double wall = (System.nanoTime() - started) / 1e9;
        long cpu = processCpuNanos() - cpuBefore;
        running = false;
        int total = 0;
        for (int c : latencyCounts) {
            total += c;
        }
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < connections; t++) {
            if (latencies[t] != null) {
                System.arraycopy(latencies[t], 0, all, at, latencyCounts[t]);
                at += latencyCounts[t];
            }
        }
        Arrays.sort(all, 0, at);
        StringBuilder json = new StringBuilder("{");
        json.append("\"requests\":").append(at);
        json.append(",\"seconds\":").append(String.format("%.3f", wall));
        json.append(",\"per_second\":").append(String.format("%.1f", at / wall));
        json.append(",\"errors\":").append(errors.get());
        json.append(",\"statuses\":{");
        boolean first = true;
        for (Map.Entry<Integer, AtomicLong> entry : new TreeMap<>(statuses).entrySet()) {
            json.append(first ? "" : ",").append('"').append(entry.getKey()).append("\":")
                .append(entry.getValue().get());
            first = false;
        }
        json.append("},\"p50_ms\":").append(ms(all, at, 0.50));
        json.append(",\"p99_ms\":").append(ms(all, at, 0.99));
        json.append(",\"max_ms\":").append(at == 0 ? "null" : String.format("%.2f", all[at - 1] / 1e6));
        json.append(",\"generator_cpu_share\":").append(String.format("%.3f", cpu / 1e9 / wall));
        json.append(",\"drained_bytes\":").append(Math.max(drained.get() - 1, 0));
        json.append(",\"bucket_ms\":").append(bucketMillis).append(",\"buckets\":[");
        for (int b = 0; b < buckets; b++) {
            json.append(b == 0 ? "" : ",").append(perBucket.get(b));
        }
        json.append("]}");
        System.out.println(json);
        System.exit(0);
    }

    private static String ms(long[] sorted, int count, double fraction) {
        if (count == 0) {
            return "null";
        }
        return String.format("%.2f", sorted[Math.min(count - 1, (int) (fraction * count))] / 1e6);
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return 0;
    }

    /** Reads one response (Content-Length or chunked); true when the connection stays open. */
    private static boolean readResponse(InputStream in, Map<Integer, AtomicLong> statuses)
            throws IOException {
        String status = readLine(in);
        if (status == null) {
            throw new IOException("connection closed");
        }
        int code = Integer.parseInt(status.split(" ", 3)[1]);
        statuses.computeIfAbsent(code, k -> new AtomicLong()).incrementAndGet();
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            String lower = line.toLowerCase();
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        if (chunked) {
            while (true) {
                String size = readLine(in);
                long n = Long.parseLong(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while ((line = readLine(in)) != null && !line.isEmpty()) {
                        // trailers
                    }
                    break;
                }
                skip(in, n);
                readLine(in);
            }
        } else if (length > 0) {
            skip(in, length);
        } else if (length < 0) {
            close = true;   // body up to the end of the connection: not for these servers
        }
        return !close;
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed in a body");
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread startDrain(Body body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Exception failure) {
                if (running) {
                    System.err.println("drain failed: " + failure);
                }
            }
        }, "drain");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void sseDrain(String host, int port, String path, AtomicLong drained)
            throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            String seen = "";
            int n;
            while (running && (n = in.read(buffer)) >= 0) {
                if (drained.get() == 0) {
                    seen += new String(buffer, 0, n, StandardCharsets.UTF_8);
                    if (seen.contains("event: onConnect")) {
                        drained.set(1);
                    }
                } else {
                    drained.addAndGet(n);
                }
            }
        }
    }

    private static void xmppDrain(String host, int port, String domain, String user, String password,
            AtomicLong drained) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String open = "<?xml version='1.0'?><stream:stream to='" + domain + "' xmlns='jabber:client'"
                    + " xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
            out.write(open.getBytes(StandardCharsets.UTF_8));
            readUntil(in, "</stream:features>");
            String plain = Base64.getEncoder().encodeToString(
                    ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
            out.write(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + plain
                    + "</auth>").getBytes(StandardCharsets.UTF_8));
            if (!readUntil(in, "<success", "<failure").contains("<success")) {
                throw new IOException("SASL PLAIN refused for " + user);
            }
            out.write(open.getBytes(StandardCharsets.UTF_8));
            readUntil(in, "</stream:features>");
            out.write(("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                    + "<resource>drain</resource></bind></iq><presence/>").getBytes(StandardCharsets.UTF_8));
            readUntil(in, "</iq>");
            drained.set(1);
            byte[] buffer = new byte[65536];
            int n;
            while (running && (n = in.read(buffer)) >= 0) {
                drained.addAndGet(n);
            }
        }
    }

    private static String readUntil(InputStream in, String... markers) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] buffer = new byte[8192];
        while (true) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("XMPP stream closed: " + seen);
            }
            seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            for (String marker : markers) {
                if (seen.indexOf(marker) >= 0) {
                    return seen.toString();
                }
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    private Hammer() {
    }
}
