package org.igniterealtime.openfire.plugin.sparkweb;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;

import javax.security.auth.Subject;

/**
 * Runs a call into Openfire with none of SparkWeb's classes in the access control context.
 *
 * <p>Up to Java 23 a new thread keeps the AccessControlContext of the code that created it: the
 * protection domains of every class on the creating stack, and with them their classloaders.
 * When a SparkWeb call makes Openfire start a pool thread (routing a user's first presence starts
 * the PEP workers, for one), that thread would keep the plugin's classloader alive as long as it
 * runs, long after an unload. Here the call runs privileged with an empty context, and the only
 * frames above that are the JDK's (a proxy made by {@link MethodHandleProxies}) and Openfire's.
 */
public final class OpenfireCall {

    private OpenfireCall() {
    }

    /** Calls {@code call}, a method handle with all its arguments bound, and returns its result. */
    @SuppressWarnings({"removal", "unchecked"})
    public static Object invoke(MethodHandle call) throws Exception {
        PrivilegedExceptionAction<Object> action = (PrivilegedExceptionAction<Object>)
                MethodHandleProxies.asInterfaceInstance(PrivilegedExceptionAction.class, call);
        try {
            return Subject.doAsPrivileged(null, action, null);
        } catch (PrivilegedActionException e) {
            throw e.getException();
        }
    }
}
