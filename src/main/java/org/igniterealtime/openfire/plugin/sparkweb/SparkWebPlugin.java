package org.igniterealtime.openfire.plugin.sparkweb;

import java.io.File;
import java.util.Properties;

import org.jivesoftware.openfire.container.Plugin;
import org.jivesoftware.openfire.container.PluginManager;
import org.python.core.Py;
import org.python.core.PyObject;
import org.python.core.PyString;
import org.python.core.PySystemState;
import org.python.util.PythonInterpreter;

/**
 * The class Openfire instantiates (named in plugin.xml). It only boots Jython on the plugin's own
 * classloader and hands the lifecycle to the Python module {@code sparkweb.plugin}; all behaviour
 * lives there. This is the only Java that names Openfire types, and only Plugin/PluginManager.
 */
public final class SparkWebPlugin implements Plugin {

    private PySystemState pythonState;
    private PythonInterpreter python;
    private PyObject running;
    private boolean jythonClosed;

    @Override
    public void initializePlugin(PluginManager manager, File pluginDirectory) {
        final long started = System.nanoTime();
        final ClassLoader pluginLoader = SparkWebPlugin.class.getClassLoader();
        final Thread thread = Thread.currentThread();
        final ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(pluginLoader);
        try {
            pythonState = newPythonState(pluginLoader, new File(pluginDirectory, "python"));
            python = new PythonInterpreter(null, pythonState);
            PyObject module = python.eval("__import__('sparkweb.plugin', fromlist=['start'])");
            running = module.invoke("start", new PyObject[] {
                Py.java2py(pluginDirectory), Py.java2py(pluginLoader), Py.newLong(started) });
        } catch (Throwable failure) {
            // sparkweb.plugin.start has undone its own steps; Jython itself is left. Openfire
            // logs the failure and calls destroyPlugin only when the jar goes away.
            try {
                closeJython();
            } catch (Throwable closing) {
                failure.addSuppressed(closing);   // the start's failure is the one to report
            }
            throw failure;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    public void destroyPlugin() {
        try {
            if (running != null) {
                running.invoke("stop");
            }
        } finally {
            running = null;
            closeJython();
        }
    }

    /**
     * Jython registers a JVM shutdown hook for each system state (ours and its default one);
     * left in place, those hooks would keep this plugin's classloader alive after an unload.
     */
    private void closeJython() {
        if (jythonClosed) {
            return;
        }
        jythonClosed = true;
        if (python != null) {
            python.close();
            python = null;
        }
        if (pythonState != null) {
            pythonState.close();
            pythonState = null;
        }
        PySystemState defaultState = Py.defaultSystemState;
        if (defaultState != null) {
            defaultState.close();
        }
    }

    /** A system state whose imports (Python and Java) resolve through the plugin's loader. */
    static PySystemState newPythonState(ClassLoader loader, File pythonDirectory) {
        JythonTypeRegistry.install(PySystemState.class.getClassLoader());
        Properties settings = new Properties();
        settings.setProperty("python.import.site", "false");   // no site-packages scan: faster start
        settings.setProperty("python.cachedir.skip", "true");  // no jar scanning into a package cache
        settings.setProperty("python.console.encoding", "UTF-8");
        PythonInterpreter.initialize(System.getProperties(), settings, new String[0]);
        PySystemState state = new PySystemState();
        state.setClassLoader(loader);
        state.path.append(new PyString(pythonDirectory.getAbsolutePath()));
        return state;
    }
}
