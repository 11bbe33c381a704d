package org.igniterealtime.openfire.plugin.sparkweb;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
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

    private static volatile JythonTypeRegistry installed;

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
            JythonTypeRegistry replacement = new JythonTypeRegistry(registry, resolveType);
            field.set(null, replacement);
            installed = replacement;
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** Whether this plugin's Jython uses this registry (checked and logged at start). */
    public static boolean isInstalled() {
        return installed != null;
    }

    /**
     * Forgets the types of the classes another plugin's classloader defined, once that plugin is
     * unloaded. Both this map and Jython's own {@code classToThrownType} (where Jython leaves
     * every class whose type it had to hand out while still building it, an enum for one, until
     * the end of the plugin) hold such classes strongly: without this, the plugin that is gone
     * stays in memory as long as this one runs. Jython's method cache holds types too, so it is
     * emptied as well (it fills again on use).
     */
    public static void forgetClassesOf(ClassLoader unloaded) {
        JythonTypeRegistry registry = installed;
        if (registry == null || unloaded == null
                || unloaded == JythonTypeRegistry.class.getClassLoader()) {
            return;
        }
        synchronized (registry.lock) {
            registry.types.keySet().removeIf(type -> type.getClassLoader() == unloaded);
            registry.thrownTypes().keySet().removeIf(type -> type.getClassLoader() == unloaded);
            registry.clearMethodCache();
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Class<?>, PyType> thrownTypes() {
        try {
            Field field = ((Class<?>) lock).getDeclaredField("classToThrownType");
            field.setAccessible(true);
            return (Map<Class<?>, PyType>) field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new HashMap<>();   // laid out otherwise: nothing to forget there
        }
    }

    private void clearMethodCache() {
        try {
            Class<?> cacheClass = Class.forName("org.python.core.PyType$MethodCache", true,
                                                PyType.class.getClassLoader());
            Field field = cacheClass.getDeclaredField("methodCache");
            field.setAccessible(true);
            Method clear = cacheClass.getDeclaredMethod("clear");
            clear.setAccessible(true);
            clear.invoke(field.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // laid out otherwise: its entries are replaced as it is used
        }
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
