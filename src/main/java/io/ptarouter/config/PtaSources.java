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
    static final String MARKER = "polls";

    private CamelContext context;

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
        synchronized (context) {
            if (context.getRegistry().lookupByName(MARKER) != null) {
                return;
            }
            try {
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
