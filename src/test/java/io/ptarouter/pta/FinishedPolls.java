package io.ptarouter.pta;

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
 * Waits for whole polls. A poll's own exchange is the one without a correlation id: the copies the
 * splitter and the multicast make for each event end earlier, one by one, so waiting for "the first
 * exchange of the poll route that is done" returns while the poll is still delivering. Also keeps
 * the exceptions of polls that failed and were handled by the poll route's error handler.
 */
public final class FinishedPolls extends EventNotifierSupport {

    private final Map<String, AtomicInteger> finished = new ConcurrentHashMap<>();
    private final List<Throwable> handledFailures = new CopyOnWriteArrayList<>();

    private FinishedPolls() {
    }

    /** Call before the context starts. */
    public static FinishedPolls watch(CamelContext context) {
        FinishedPolls polls = new FinishedPolls();
        context.getManagementStrategy().addEventNotifier(polls);
        return polls;
    }

    @Override
    public void notify(CamelEvent event) {
        if (!(event instanceof CamelEvent.ExchangeEvent exchangeEvent)) {
            return;
        }
        Exchange exchange = exchangeEvent.getExchange();
        String route = exchange.getFromRouteId();
        if (route == null || !route.startsWith("poll-") || exchange.getProperty(Exchange.CORRELATION_ID) != null) {
            return;
        }
        if (event instanceof CamelEvent.ExchangeCompletedEvent || event instanceof CamelEvent.ExchangeFailedEvent) {
            // A failure the poll route's error handler reported and handled. Not one that a doCatch
            // inside the poll recovered from, nor one that escaped the poll route (the exchange failed).
            if (event instanceof CamelEvent.ExchangeCompletedEvent && ExchangeHelper.isFailureHandled(exchange)) {
                Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
                handledFailures.add(caught != null ? caught : new IllegalStateException("failure without exception"));
            }
            counter(route.substring("poll-".length())).incrementAndGet();
        }
    }

    /** Fires the stream's Quartz job and waits until that poll has ended, every event delivered. */
    public void poll(CamelContext context, String stream) throws Exception {
        Scheduler scheduler = context.getComponent("quartz", QuartzComponent.class).getScheduler();
        JobKey job = JobKey.jobKey(stream, "pta");
        // The jobs are stateful: a trigger fired while the last poll's job is still winding down would wait for it.
        await("the previous " + stream + " job ends").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> scheduler.getCurrentlyExecutingJobs().stream().noneMatch(j -> j.getJobDetail().getKey().equals(job)));
        int before = counter(stream).get();
        scheduler.triggerJob(job);
        await("the " + stream + " poll ends").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> counter(stream).get() > before);
    }

    /** What made polls fail, as the poll route's error handler saw it, oldest first. */
    public List<Throwable> failures() {
        return List.copyOf(handledFailures);
    }

    private AtomicInteger counter(String stream) {
        return finished.computeIfAbsent(stream, s -> new AtomicInteger());
    }
}
