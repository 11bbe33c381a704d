package org.igniterealtime.openfire.plugin.sparkweb;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.python.core.PyType;

/**
 * Jython's registry of the Python types of Java classes, kept in a map of the plugin's own.
 *
 * <p>Jython keeps that registry in a {@link ClassValue}, which stores each type inside the Java
 * class it describes: in {@code java.lang.Object}, in Openfire's and Jetty's classes too. Those
 * classes outlive the plugin, a ClassValue lets go of an entry only through {@code remove}, and
 * each entry (a PyType, a class of this plugin) kept the unloaded plugin's classloader alive.
 * This subclass answers {@code get} from a map instead, so nothing of the plugin is stored in a
 * class that is not its own; the map goes away with the plugin.
 */
public final class JythonTypeRegistry extends ClassValue<PyType> {

    private static final String REGISTRY = "org.python.core.PyType$Registry";

    private static volatile boolean installed;

    private final Map<Class<?>, PyType> types = new ConcurrentHashMap<>();
    private final Object lock;          // the lock Jython's own registry computes under
    private final Method resolveType;   // PyType.Registry.resolveType(Class)

    private JythonTypeRegistry(Class<?> registry, Method resolveType) {
        this.lock = registry;
        this.resolveType = resolveType;
    }

    /**
     * Puts this registry in the place of Jython's ClassValue. Must run before Jython computes its
     * first type (it initialises the registry class itself, which computes none); returns false,
     * leaving Jython as it is, when this Jython is not laid out as expected.
     */
    static boolean install(ClassLoader jythonLoader) {
        try {
            Class<?> registry = Class.forName(REGISTRY, true, jythonLoader);
            Field field = registry.getDeclaredField("classToType");
            Method resolveType = registry.getDeclaredMethod("resolveType", Class.class);
            if (field.getType() != ClassValue.class || resolveType.getReturnType() != PyType.class) {
                return false;
            }
            field.setAccessible(true);
            resolveType.setAccessible(true);
            field.set(null, new JythonTypeRegistry(registry, resolveType));
            installed = true;
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** Whether this plugin's Jython uses this registry (checked and logged at start). */
    public static boolean isInstalled() {
        return installed;
    }

    @Override
    public PyType get(Class<?> javaClass) {
        PyType type = types.get(javaClass);
        if (type != null) {
            return type;
        }
        synchronized (lock) {
            type = types.get(javaClass);
            if (type != null) {
                return type;
            }
            type = resolve(javaClass);
            PyType first = types.putIfAbsent(javaClass, type);   // as ClassValue: first one wins
            return first != null ? first : type;
        }
    }

    @Override
    protected PyType computeValue(Class<?> javaClass) {
        return resolve(javaClass);
    }

    private PyType resolve(Class<?> javaClass) {
        try {
            return (PyType) resolveType.invoke(null, javaClass);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();   // Jython's IncompleteType among others: rethrown as is
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
