package org.igniterealtime.openfire.plugin.sparkweb;

import java.io.IOException;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * SparkWeb's page in Openfire's admin console. Openfire creates this servlet by class name from
 * the plugin's {@code web/WEB-INF/web.xml} (before the plugin starts), which a Jython class
 * cannot be; it hands every request to the Python handler the running plugin sets.
 *
 * <p>The handler lives in a static field of this class, which belongs to the plugin's own
 * classloader, so it goes away with the plugin; {@code sparkweb.plugin} sets it at start and
 * clears it at stop.
 */
public final class AdminPageServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** What the Python side implements. */
    public interface Handler {
        void handle(HttpServletRequest request, HttpServletResponse response) throws IOException;
    }

    private static volatile Handler handler;

    public static void setHandler(Handler newHandler) {
        handler = newHandler;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        Handler current = handler;
        if (current == null) {
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "SparkWeb is not running.");
            return;
        }
        current.handle(request, response);
    }
}
