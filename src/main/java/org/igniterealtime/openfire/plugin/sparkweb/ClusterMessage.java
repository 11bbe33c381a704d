package org.igniterealtime.openfire.plugin.sparkweb;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.lang.management.ManagementFactory;

import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

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
 *
 * <p>Hazelcast caches the classes it resolves by name, so after SparkWeb is reloaded it may go
 * on instantiating the unloaded copy of this class, whose receiver was cleared, for as long as
 * that copy is not garbage-collected. So the receiver is also registered JVM-wide, as a
 * platform MBean whose interface has only JDK types: any copy of this class can reach the
 * running SparkWeb's receiver through it.
 */
public final class ClusterMessage implements ClusterTask<Void> {

    private static final long serialVersionUID = 1L;

    /** Larger parts are refused while reading: a request body is limited far below this. */
    private static final int MAX_PART_BYTES = 128 * 1024 * 1024;

    /** Told of each message this node receives; called on the cluster executor's thread. */
    public interface Receiver {
        void receive(byte[] envelope, byte[] body);
    }

    /** The running SparkWeb's receiver, as every copy of this class can find it. */
    public interface ReceiverMBean {
        void receive(byte[] envelope, byte[] body);
    }

    static final String RECEIVER_NAME =
            "org.igniterealtime.openfire.plugin.sparkweb:type=ClusterMessageReceiver";
    private static final String[] RECEIVE_SIGNATURE = {byte[].class.getName(), byte[].class.getName()};

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
    public static synchronized void setReceiver(Receiver newReceiver) throws JMException {
        receiver = newReceiver;
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(RECEIVER_NAME);
        if (server.isRegistered(name)) {
            server.unregisterMBean(name);
        }
        if (newReceiver != null) {
            server.registerMBean(new StandardMBean(newReceiver::receive, ReceiverMBean.class), name);
        }
    }

    @Override
    public void run() {
        Receiver current = receiver;
        if (current != null) {
            current.receive(envelope, body);
        } else {
            deliverThroughMBean();
        }
    }

    /** This copy of the class has no receiver: it is an unloaded SparkWeb's (see above), or
     * SparkWeb is not running here, and the sender times out. */
    private void deliverThroughMBean() {
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(RECEIVER_NAME),
                    "receive", new Object[] {envelope, body}, RECEIVE_SIGNATURE);
        } catch (InstanceNotFoundException notRunning) {
            // dropped: no SparkWeb runs on this node
        } catch (JMException failed) {
            throw new IllegalStateException("SparkWeb's cluster receiver failed", failed);
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
