package io.ptarouter.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.JobKey;

/** Fires a source route's own Quartz job and waits until that poll has completed, sinks included. */
public final class Polls {

    private Polls() {
    }

    public static void fire(CamelContext context, String job, String routeId) throws Exception {
        // Split and multicast copies come from the same route; only the Quartz exchange itself has no correlation id.
        NotifyBuilder done = new NotifyBuilder(context).fromRoute(routeId)
                .filter(e -> e.getProperty(ExchangePropertyKey.CORRELATION_ID) == null)
                .whenDone(1).create();
        context.getComponent("quartz", QuartzComponent.class).getScheduler().triggerJob(JobKey.jobKey(job, "pta"));
        assertThat(done.matches(60, TimeUnit.SECONDS)).as("the %s poll completes", routeId).isTrue();
    }
}
