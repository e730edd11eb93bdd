package io.ptarouter.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ptarouter.config.PtaRouterConfiguration;
import io.ptarouter.pta.PollTracker;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.support.RoutePolicySupport;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.DefaultConfigurationConfigurer;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.support.PropertyBindingSupport;
import org.apache.camel.util.StringHelper;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelMetricsService;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.PluginHelper;
import org.quartz.JobKey;

/**
 * pta-router itself: the YAML routes from routes/ with the real beans in a plain CamelContext, as EmbeddingTest runs
 * them, with only the sinks under test switched on. The poll is started by firing the route's own Quartz job (its
 * cron never fires) and the run ends when that poll's exchange completes, every delivery included.
 */
final class PtaRouterVariant implements Variant {

    private static final String NEVER = "0 0 0 1 1 ? 2099";
    private static final String POLL_ROUTE = "pta-security-events";
    private static final String APPLICATION_PROPERTIES = "application.properties";
    /**
     * With -Dpta.bench.count-exchanges=true (--jvm-options) the note gives the exchanges Camel created per event read:
     * what copies the per-event path makes (the split's, a Kamelet hop's, the multicast's). Off by default: one more
     * notifier call per exchange would be timed.
     */
    private static final boolean COUNT_EXCHANGES = Boolean.getBoolean("pta.bench.count-exchanges");

    /** The sinks switched on, and the one whose deliveries are counted for events/s. */
    private final Set<String> sinks;
    private final String measured;

    PtaRouterVariant(Set<String> sinks, String measured) {
        this.sinks = sinks;
        this.measured = measured;
    }

    @Override
    public Outcome run(Target target, Path work) throws Exception {
        target.resetPeer();
        CamelContext context = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("pta.base-url", target.simulatorUrl());
        p.setProperty("pta.http.allow-plain-http", "true");
        p.setProperty("pta.auth.username", Target.USERNAME);
        p.setProperty("pta.auth.password", Target.PASSWORD);
        p.setProperty("pta.security-events.cron", NEVER);
        p.setProperty("pta.security-events.initial-lookback", Target.LOOKBACK.toHours() + "h");
        p.setProperty("pta.risk-events.enabled", "false");
        p.setProperty("pta.risk-events.cron", NEVER);
        p.setProperty("pta.sink.file.directory", work.resolve("events").toString());
        p.setProperty("pta.sink.rejected.directory", work.resolve("rejected").toString());
        p.setProperty("pta.sink.jms.embedded.data-directory", work.resolve("artemis").toString());
        p.setProperty("pta.state.jdbc-url", "jdbc:h2:file:" + work.resolve("state/pta-router"));
        p.setProperty("pta.delivery.dead-letter-directory", work.resolve("dead-letter").toString());
        p.setProperty("pta.sink.email.host", "127.0.0.1");
        p.setProperty("pta.sink.email.port", Integer.toString(target.smtpPort()));
        // One mail per event, as BENCHMARKS.md measures the email sink; digests would send a hundredth of them.
        p.setProperty("pta.sink.email.digest.after", "1000000000");
        p.setProperty("pta.sink.webhook.url", target.webhookUrl());
        p.setProperty("pta.sink.syslog.host", "127.0.0.1");
        p.setProperty("pta.sink.syslog.port", Integer.toString(target.syslogPort()));
        p.setProperty("pta.sink.syslog.transport", "tcp");
        for (String sink : List.of("file", "jms", "email", "webhook", "syslog")) {
            p.setProperty("pta.sink." + sink + ".enabled", Boolean.toString(sinks.contains(sink)));
        }
        context.getPropertiesComponent().setLocation("file:" + APPLICATION_PROPERTIES);
        context.getPropertiesComponent().setOverrideProperties(p);
        applyMainSettings(context);
        new PtaRouterConfiguration().configure(context);
        List<Resource> routes = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted()
                    .forEach(f -> routes.add(PluginHelper.getResourceLoader(context).resolveResource("file:" + f)));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(routes);
        PollEnd end = new PollEnd();
        // Only the poll's own route: a notifier of exchange events would be called for every event's every hop.
        context.addRoutePolicyFactory((camel, routeId, route) -> POLL_ROUTE.equals(routeId) ? end : null);
        ExchangesCreated created = new ExchangesCreated();
        if (COUNT_EXCHANGES) {
            context.getManagementStrategy().addEventNotifier(created);
        }
        try {
            context.start();
            PollTracker polls = context.getRegistry().lookupByNameAndType("ptaPolls", PollTracker.class);
            LiveHeapProbe probe = new LiveHeapProbe(polls, target.events() * 9L / 10);
            JobKey job = JobKey.jobKey("security-events", "pta");
            Variant.settle();
            long start = System.nanoTime();
            long cpu = Variant.cpuNanos();
            probe.start();
            context.getComponent("quartz", QuartzComponent.class).getScheduler().triggerJob(job);
            if (!end.done.await(2, TimeUnit.HOURS)) {
                throw new IllegalStateException("the poll did not end within 2 hours");
            }
            probe.interrupt();
            probe.join();
            // Sinks that batch (file) or send asynchronously (JMS, webhook) finish their deliveries before the poll
            // ends (fsync, acknowledgements, awaited calls), so the poll's end is the last delivery.
            // The full collection of the live-heap probe is not counted in the poll's time.
            long nanos = end.nanos - start - probe.nanos;
            cpu = end.cpuNanos - cpu - probe.cpuNanos;
            MeterRegistry meters = MicrometerUtils.getMeterRegistryFromCamelRegistry(context.getRegistry(),
                    MicrometerConstants.METRICS_REGISTRY_NAME);
            long events = sum(meters, "pta.events", "outcome", "new") + sum(meters, "pta.events", "outcome", "duplicate")
                          + sum(meters, "pta.events", "outcome", "dropped") + sum(meters, "pta.events", "outcome", "rejected");
            long failed = deliveries(meters, null, "failed") + deliveries(meters, null, "parked");
            Map<String, Long> peer = target.peerCounts();
            long fileLines = 0;
            if (Files.isDirectory(work.resolve("events"))) {
                try (Stream<Path> files = Files.list(work.resolve("events"))) {
                    for (Path file : files.toList()) {
                        fileLines += NaiveCamelVariant.countLines(file);
                    }
                }
            }
            long delivered = switch (measured) {
                case "webhook" -> peer.get("webhook");
                case "email" -> peer.get("smtp");
                case "syslog" -> peer.get("syslog");
                case "file" -> fileLines;
                default -> deliveries(meters, measured, "delivered");
            };
            StringBuilder note = new StringBuilder("events " + events + ";");
            for (String sink : List.of("file", "jms", "webhook", "email", "syslog")) {
                if (sinks.contains(sink)) {
                    long count = switch (sink) {
                        case "file" -> fileLines;
                        case "webhook" -> peer.get("webhook");
                        case "email" -> peer.get("smtp");
                        case "syslog" -> peer.get("syslog");
                        default -> deliveries(meters, sink, "delivered");
                    };
                    note.append(' ').append(sink).append(' ').append(count).append(',');
                }
            }
            note.append(" failed deliveries ").append(failed);
            if (COUNT_EXCHANGES) {
                note.append(Benchmark.fmt(", exchanges created per event %.2f",
                        created.count.get() / (double) Math.max(1, events)));
            }
            if (probe.liveHeap > 0) {
                note.append(", live heap at 90% of the events ").append(probe.liveHeap >> 20).append(" MB");
            }
            if (peer.get("repeated") > 0) {
                note.append(", repeated webhook ids ").append(peer.get("repeated"));
            }
            return new Outcome(delivered, events, nanos, cpu, note.toString());
        } finally {
            context.close();
        }
    }

    /**
     * The camel.main.* and camel.metrics.* settings of application.properties (exchange ids, JMX statistics, the
     * Micrometer route policy and event notifiers behind /observe/metrics, ...), applied to this plain CamelContext as
     * Camel Main applies them to its own, so the benchmark measures the context the app runs.
     */
    private static void applyMainSettings(CamelContext context) throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        Map<String, Object> metrics = new LinkedHashMap<>();
        // Read from the file itself: the properties component of a context not yet started loads its locations only
        // when a placeholder is first resolved, so its loadPropertiesAsMap() would return nothing here.
        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(APPLICATION_PROPERTIES))) {
            file.load(reader);
        }
        file.forEach((key, value) -> {
            String name = key.toString();
            if (name.startsWith("camel.main.")) {
                settings.put(StringHelper.dashToCamelCase(name.substring("camel.main.".length())), value);
            } else if (name.startsWith("camel.metrics.")) {
                metrics.put(StringHelper.dashToCamelCase(name.substring("camel.metrics.".length())), value);
            }
        });
        if (settings.isEmpty() || metrics.isEmpty()) {
            throw new IllegalStateException(APPLICATION_PROPERTIES + " holds no camel.main.* or camel.metrics.* settings:"
                    + " the benchmark would not measure the context the app runs");
        }
        MainConfigurationProperties main = new MainConfigurationProperties();
        PropertyBindingSupport.build().withCamelContext(context).withTarget(main).withProperties(settings)
                .withIgnoreCase(true).withRemoveParameters(false).bind();
        DefaultConfigurationConfigurer.configure(context, main);
        // Camel Main: on when camel.metrics.enabled says so, or, without it, when any other camel.metrics.* is set.
        Object enabled = metrics.remove("enabled");
        if (enabled != null ? Boolean.parseBoolean(enabled.toString()) : !metrics.isEmpty()) {
            // As Camel Main does (BaseMainSupport.setMetricsProperties): the Micrometer service with the settings.
            CamelMetricsService service = context.getCamelContextExtension().getBootstrapFactoryFinder()
                    .newInstance("micrometer-prometheus", CamelMetricsService.class)
                    .orElseThrow(() -> new IllegalStateException("camel-micrometer-prometheus is not on the classpath"));
            PropertyBindingSupport.build().withCamelContext(context).withTarget(service).withProperties(metrics)
                    .withIgnoreCase(true).withRemoveParameters(false).bind();
            context.addService(service, true, true);
        }
    }

    /** Counts events handed to each sink route, the events read, and the end of the poll's own exchange. */
    /** pta-router's own count: a sink's versions by outcome ({@code pta_sink_deliveries_total}), every sink when null. */
    private static long deliveries(MeterRegistry meters, String sink, String outcome) {
        return (long) meters.find("pta.sink.deliveries").tag("outcome", outcome).counters().stream()
                .filter(c -> sink == null ? !c.getId().getTag("sink").startsWith("(") : sink.equals(c.getId().getTag("sink")))
                .mapToDouble(Counter::count).sum();
    }

    private static long sum(MeterRegistry meters, String name, String tag, String value) {
        return (long) meters.find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** The poll's end: its exchange done, every delivery included (the poll's last checkpoint). */
    private static final class PollEnd extends RoutePolicySupport {
        final CountDownLatch done = new CountDownLatch(1);
        volatile long nanos;
        volatile long cpuNanos;

        @Override
        public void onExchangeDone(Route route, Exchange exchange) {
            nanos = System.nanoTime();
            cpuNanos = Variant.cpuNanos();
            done.countDown();
        }
    }

    /**
     * The heap that is really live mid-poll: "heap after GC" of young collections also counts old garbage that G1
     * has not collected yet, so it cannot tell a leak from a lazy old generation; a full collection can. Taken once,
     * when the poll has read 90% of the events; the collection stops the poll too, and its time is not counted.
     */
    private static final class LiveHeapProbe extends Thread {
        private final PollTracker polls;
        private final long at;
        volatile long liveHeap;
        volatile long nanos;
        volatile long cpuNanos;

        LiveHeapProbe(PollTracker polls, long at) {
            super("heap-probe");
            setDaemon(true);
            this.polls = polls;
            this.at = at;
        }

        @Override
        public void run() {
            try {
                while (polls.readInFlight("security-events") < at) {
                    Thread.sleep(2); // a sampling period, not a synchronisation: the poll does not wait for it
                }
            } catch (InterruptedException e) {
                return;
            }
            long begin = System.nanoTime();
            long cpu = Variant.cpuNanos();
            System.gc();
            liveHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            nanos = System.nanoTime() - begin;
            cpuNanos = Variant.cpuNanos() - cpu;
        }
    }

    /** Only with -Dpta.bench.count-exchanges=true. */
    private static final class ExchangesCreated extends EventNotifierSupport {
        final AtomicLong count = new AtomicLong();

        ExchangesCreated() {
            setIgnoreCamelContextEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreStepEvents(true);
            setIgnoreExchangeCompletedEvent(true);
            setIgnoreExchangeFailedEvents(true);
            setIgnoreExchangeSentEvents(true);
            setIgnoreExchangeSendingEvents(true);
            setIgnoreExchangeRedeliveryEvents(true);
            setIgnoreExchangeAsyncProcessingStartedEvents(true);
        }

        @Override
        public void notify(CamelEvent event) {
            count.incrementAndGet();
        }
    }
}
