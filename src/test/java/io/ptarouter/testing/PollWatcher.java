package io.ptarouter.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.ExchangeHelper;
import org.quartz.JobKey;
import org.quartz.Scheduler;

/**
 * Fires a source route's own Quartz job and waits for that whole poll. A poll's own exchange is the
 * one without a correlation id: the copies the splitter and the multicast make for each event end
 * earlier, one by one. Also keeps the exceptions of polls that failed and were reported by the
 * poll route's error handler.
 */
public final class PollWatcher extends EventNotifierSupport {

    private final Map<String, AtomicInteger> finished = new ConcurrentHashMap<>();
    private final List<Throwable> handledFailures = new CopyOnWriteArrayList<>();

    private PollWatcher() {
    }

    /** Call before the context starts. */
    public static PollWatcher watch(CamelContext context) {
        PollWatcher watcher = new PollWatcher();
        context.getManagementStrategy().addEventNotifier(watcher);
        return watcher;
    }

    @Override
    public void notify(CamelEvent event) {
        if (!(event instanceof CamelEvent.ExchangeCompletedEvent || event instanceof CamelEvent.ExchangeFailedEvent)) {
            return;
        }
        Exchange exchange = ((CamelEvent.ExchangeEvent) event).getExchange();
        String route = exchange.getFromRouteId();
        if (route == null || exchange.getProperty(Exchange.CORRELATION_ID) != null) {
            return;
        }
        if (event instanceof CamelEvent.ExchangeCompletedEvent && ExchangeHelper.isFailureHandled(exchange)) {
            Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            handledFailures.add(caught != null ? caught : new IllegalStateException("failure without exception"));
        }
        counter(route).incrementAndGet();
    }

    /** Fires the Quartz job {@code pta/<job>} and waits until the poll of route {@code routeId} has ended. */
    public void poll(CamelContext context, String job, String routeId) throws Exception {
        Scheduler scheduler = context.getComponent("quartz", QuartzComponent.class).getScheduler();
        JobKey key = JobKey.jobKey(job, "pta");
        // The jobs are stateful: a trigger fired while the last poll's job is still winding down would wait for it.
        await("the previous " + job + " job ends").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> scheduler.getCurrentlyExecutingJobs().stream().noneMatch(j -> j.getJobDetail().getKey().equals(key)));
        int before = counter(routeId).get();
        scheduler.triggerJob(key);
        await("the " + routeId + " poll ends").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> counter(routeId).get() > before);
    }

    /** What made polls fail, as the poll route's error handler saw it, oldest first. */
    public List<Throwable> failures() {
        return List.copyOf(handledFailures);
    }

    private AtomicInteger counter(String routeId) {
        return finished.computeIfAbsent(routeId, r -> new AtomicInteger());
    }
}
