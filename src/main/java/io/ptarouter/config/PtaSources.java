package io.ptarouter.config;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.StartupListener;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The source Kamelets' one bean: when the first of them is loaded into a CamelContext that pta-router's
 * own configuration did not set up (a host's), it builds what the sources need, once for both streams
 * (they share the PVWA session and the delivery state), and nothing of the sinks.
 */
public final class PtaSources implements CamelContextAware, Processor {

    /** Bound by the sources' configuration: its presence says the context has them. */
    static final String MARKER = "ptaPolls";

    private CamelContext context;

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
        synchronized (context) {
            if (context.getRegistry().lookupByName(MARKER) != null) {
                return;
            }
            try {
                addDefaults(context);
                new PtaRouterConfiguration().configureSources(context);
                // Loaded while the Kamelet's route is being made, after the context made the routes it had: made
                // once the context starts, as making a route now would drop the Kamelet's parameters.
                context.addStartupListener(new StartupListener() {
                    @Override
                    public void onCamelContextStarting(CamelContext started, boolean alreadyStarted) throws Exception {
                        List<RouteDefinition> shared = ((ModelCamelContext) context).getRouteDefinitions().stream()
                                .filter(route -> PtaRouterConfiguration.SHARED_ROUTES.contains(route.getRouteId()))
                                .filter(route -> context.getRoute(route.getRouteId()) == null).toList();
                        ((ModelCamelContext) context).startRouteDefinitions(shared);
                    }

                    @Override
                    public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                    }
                });
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new RuntimeCamelException(e);
            }
        }
    }

    /**
     * pta-router's own application.properties (the one in its jar, not a host's of the same name) gives the
     * pta.* settings a host did not set their defaults, as the lowest-priority properties.
     */
    private static void addDefaults(CamelContext context) throws java.io.IOException {
        java.net.URL jar = PtaSources.class.getProtectionDomain().getCodeSource().getLocation();
        java.util.Enumeration<java.net.URL> files = PtaSources.class.getClassLoader().getResources("application.properties");
        while (files.hasMoreElements()) {
            java.net.URL file = files.nextElement();
            String location = file.toString();
            if (location.startsWith(jar.toString()) || location.startsWith("jar:" + jar)) {
                java.util.Properties defaults = new java.util.Properties();
                try (java.io.InputStream in = file.openStream()) {
                    defaults.load(in);
                }
                org.apache.camel.spi.PropertiesComponent properties = context.getPropertiesComponent();
                defaults.stringPropertyNames().stream().filter(key -> key.startsWith("pta."))
                        .filter(key -> properties.resolveProperty(key).isEmpty())
                        .forEach(key -> properties.addInitialProperty(key, defaults.getProperty(key)));
                return;
            }
        }
    }

    /** A poll's first step: everything was built when the route was. */
    @Override
    public void process(Exchange exchange) {
        // nothing to do
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }
}
