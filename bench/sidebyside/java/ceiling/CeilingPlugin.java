import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.dom4j.Element;
import org.eclipse.jetty.ee8.servlet.ServletContextHandler;
import org.eclipse.jetty.ee8.servlet.ServletHolder;
import org.jivesoftware.openfire.container.Plugin;
import org.jivesoftware.openfire.container.PluginManager;
import org.jivesoftware.openfire.http.HttpBindManager;
import org.jivesoftware.openfire.user.User;
import org.jivesoftware.openfire.user.UserManager;
import org.jivesoftware.openfire.user.UserNotFoundException;
import org.jivesoftware.openfire.vcard.VCardManager;

/**
 * Benchmark only, never shipped: the ceiling for SparkWeb's Jython+Jersey path in
 * bench/sidebyside_bench.py. A plain servlet on the same Jetty (Openfire's HTTP-bind server)
 * answering GET /bench-ceiling/user?username=NAME with the JSON SparkWeb's GET /user gives for
 * the benchmark's users (no protected properties; of the vCard only the full name), from the
 * same lookups: user, properties, vCard (an absent vCard remembered, as SparkWeb does). It checks no
 * token: the difference to SparkWeb includes the token check, which SparkWeb must keep.
 */
public final class CeilingPlugin implements Plugin {
    private ServletContextHandler context;

    @Override
    public void initializePlugin(PluginManager manager, File pluginDirectory) {
        context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        context.setContextPath("/bench-ceiling");
        context.setClassLoader(CeilingPlugin.class.getClassLoader());
        context.addServlet(new ServletHolder(new UserServlet()), "/user");
        HttpBindManager.getInstance().addJettyHandler(context);
    }

    @Override
    public void destroyPlugin() {
        HttpBindManager.getInstance().removeJettyHandler(context);
    }

    static final class UserServlet extends HttpServlet {
        private static final Map<String, Long> MISSING = new ConcurrentHashMap<>();

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            User user;
            try {
                user = UserManager.getInstance().getUser(request.getParameter("username"));
            } catch (UserNotFoundException | IllegalArgumentException missing) {
                response.sendError(404);
                return;
            }
            // The same lookups as GET /user: the user, their properties, their vCard.
            Map<String, String> properties = user.getProperties();
            Element vcard = vcard(user.getUsername());
            StringBuilder json = new StringBuilder(128).append("{\"username\":");
            quote(json, user.getUsername()).append(",\"name\":");
            quote(json, user.getName()).append(",\"email\":");
            quote(json, user.getEmail()).append(",\"properties\":[");
            String separator = "";
            for (Map.Entry<String, String> property : new TreeMap<>(properties).entrySet()) {
                if (property.getKey().toLowerCase().startsWith("sparkweb.")) {
                    continue;   // protected, as SparkWeb's own (the benchmark users have no others)
                }
                json.append(separator).append("{\"key\":");
                quote(json, property.getKey()).append(",\"value\":");
                quote(json, property.getValue()).append('}');
                separator = ",";
            }
            json.append("],\"vcard\":{");
            if (vcard != null && vcard.elementText("FN") != null) {
                json.append("\"fullName\":");
                quote(json, vcard.elementText("FN"));
            }
            json.append("}}");
            byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
            response.setContentType("application/json");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }

        /** As SparkWeb does (openfire/live_vcards): an absence is remembered for 10 s; the
         *  benchmark changes no vCard, so no invalidation is needed here. */
        private static Element vcard(String username) {
            Long missingSince = MISSING.get(username);
            if (missingSince != null && System.currentTimeMillis() - missingSince < 10000) {
                return null;
            }
            Element vcard = VCardManager.getInstance().getVCard(username);
            if (vcard == null) {
                MISSING.put(username, System.currentTimeMillis());
            }
            return vcard;
        }

        private static StringBuilder quote(StringBuilder json, String text) {
            if (text == null) {
                return json.append("null");
            }
            json.append('"');
            for (char c : text.toCharArray()) {
                if (c == '"' || c == '\\') {
                    json.append('\\').append(c);
                } else if (c < 0x20) {
                    json.append(String.format("\\u%04x", (int) c));
                } else {
                    json.append(c);
                }
            }
            return json.append('"');
        }
    }
}
