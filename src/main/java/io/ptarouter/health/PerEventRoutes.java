package io.ptarouter.health;

import java.util.Collection;

import org.apache.camel.Route;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicy;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyConfiguration;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.support.PatternHelper;

/**
 * Keeps Camel's Micrometer route policy off the routes every event passes (the source's hand-over, the router, the
 * sinks' hand-over routes): their camel_exchanges_* only repeat pta_events_total and pta_sink_deliveries_total, and
 * timing them cost a fifth of the file sink's events per second (BENCHMARKS.md). The routes that run once per poll
 * or once per call to a receiver (the source, the webhook and mail calls, the digests) keep theirs. Camel Main has no
 * setting for the policy's exclude pattern; each route's policy gets it as the route is added, before it starts.
 */
public final class PerEventRoutes extends LifecycleStrategySupport {

    /** The app's routes that every event passes, as route id patterns. */
    public static final String PATTERN = "pta-poll-*,pta-dispatch,pta-sink-*,pta-email-digest";

    @Override
    public void onRoutesAdd(Collection<Route> routes) {
        for (Route route : routes) {
            if (PatternHelper.matchPatterns(route.getRouteId(), PATTERN.split(","))) {
                // Not only its route meters: the policy also times each of these routes' exchanges for the context's
                // camel_exchanges_* (three per event), which pta_events_total counts once.
                route.getRoutePolicyList().removeIf(MicrometerRoutePolicy.class::isInstance);
                continue;
            }
            for (RoutePolicy policy : route.getRoutePolicyList()) {
                if (policy instanceof MicrometerRoutePolicy micrometer && micrometer.getConfiguration() != null) {
                    // A copy: the policies share the configuration that all CamelContexts of the JVM start with.
                    micrometer.setConfiguration(excluding(micrometer.getConfiguration()));
                }
            }
        }
    }

    static MicrometerRoutePolicyConfiguration excluding(MicrometerRoutePolicyConfiguration from) {
        MicrometerRoutePolicyConfiguration to = new MicrometerRoutePolicyConfiguration();
        to.setContextEnabled(from.isContextEnabled());
        to.setRouteEnabled(from.isRouteEnabled());
        to.setAdditionalCounters(from.isAdditionalCounters());
        to.setExchangesSucceeded(from.isExchangesSucceeded());
        to.setExchangesFailed(from.isExchangesFailed());
        to.setExchangesTotal(from.isExchangesTotal());
        to.setExternalRedeliveries(from.isExternalRedeliveries());
        to.setFailuresHandled(from.isFailuresHandled());
        to.setLongTask(from.isLongTask());
        to.setTimerInitiator(from.getTimerInitiator());
        to.setLongTaskInitiator(from.getLongTaskInitiator());
        String before = from.getExcludePattern();
        to.setExcludePattern(before == null || before.isBlank() ? PATTERN : before + "," + PATTERN);
        return to;
    }
}
