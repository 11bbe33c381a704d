package org.igniterealtime.openfire.plugin.sparkweb;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInput;
import java.io.ObjectOutput;

import org.jivesoftware.util.cache.ClusterTask;

/**
 * One message between SparkWeb on two Openfire cluster nodes (a forwarded request, or its
 * answer), sent with {@code CacheFactory.doClusterTask(message, nodeID)}.
 *
 * <p>A cluster task must be a class the receiving node can load by name (Hazelcast resolves it
 * through the plugins' classloaders); a Jython proxy has no such name, so this adapter exists.
 * It carries two byte arrays and, when run, hands them to the {@link Receiver} SparkWeb set on
 * start (and cleared on stop). Tasks run on Openfire's cluster executor, which also routes
 * packets between nodes: the receiver must return at once and do its work elsewhere.
 */
public final class ClusterMessage implements ClusterTask<Void> {

    private static final long serialVersionUID = 1L;

    /** Larger parts are refused while reading: a request body is limited far below this. */
    private static final int MAX_PART_BYTES = 128 * 1024 * 1024;

    /** Told of each message this node receives; called on the cluster executor's thread. */
    public interface Receiver {
        void receive(byte[] envelope, byte[] body);
    }

    private static volatile Receiver receiver;

    private byte[] envelope;
    private byte[] body;

    /** For deserialisation only. */
    public ClusterMessage() {
    }

    public ClusterMessage(byte[] envelope, byte[] body) {
        this.envelope = envelope;
        this.body = body;
    }

    /** Sets (or, with null, clears) this node's receiver. */
    public static void setReceiver(Receiver newReceiver) {
        receiver = newReceiver;
    }

    @Override
    public void run() {
        Receiver current = receiver;
        if (current != null) {   // null: SparkWeb is stopping here; the sender times out
            current.receive(envelope, body);
        }
    }

    @Override
    public Void getResult() {
        return null;
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
        writePart(out, envelope);
        writePart(out, body);
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException {
        envelope = readPart(in);
        body = readPart(in);
    }

    private static void writePart(ObjectOutput out, byte[] part) throws IOException {
        out.writeInt(part == null ? -1 : part.length);
        if (part != null) {
            out.write(part);
        }
    }

    private static byte[] readPart(ObjectInput in) throws IOException {
        int length = in.readInt();
        if (length < -1 || length > MAX_PART_BYTES) {
            throw new InvalidObjectException("part length " + length);
        }
        if (length == -1) {
            return null;
        }
        byte[] part = new byte[length];
        in.readFully(part);
        return part;
    }
}
