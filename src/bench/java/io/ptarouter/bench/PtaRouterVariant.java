package io.ptarouter.bench;

import io.ptarouter.config.PtaRouterConfiguration;
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
        Deliveries deliveries = new Deliveries(target.events() * 9L / 10);
        context.getManagementStrategy().addEventNotifier(deliveries);
        try {
            context.start();
            JobKey job = JobKey.jobKey("security-events", "pta");
            long start = System.nanoTime();
            long cpu = Variant.cpuNanos();
            context.getComponent("quartz", QuartzComponent.class).getScheduler().triggerJob(job);
            if (!deliveries.pollDone.await(2, TimeUnit.HOURS)) {
                throw new IllegalStateException("the poll did not end within 2 hours");
            }
            // Sinks that batch (file) or send asynchronously (JMS, webhook) finish their deliveries before the poll
            // ends (fsync, acknowledgements, awaited calls), so the poll's end is the last delivery.
            // The full collection of the live-heap probe is not counted in the poll's time.
            long nanos = deliveries.pollEnd - start - deliveries.probeNanos;
            cpu = deliveries.pollEndCpu - cpu - deliveries.probeCpuNanos;
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
                default -> deliveries.count(measured);
            };
            StringBuilder note = new StringBuilder("events " + deliveries.events.get() + ";");
            for (String sink : List.of("file", "jms", "webhook", "email", "syslog")) {
                if (sinks.contains(sink)) {
                    long count = switch (sink) {
                        case "file" -> fileLines;
                        case "webhook" -> peer.get("webhook");
                        case "email" -> peer.get("smtp");
                        case "syslog" -> peer.get("syslog");
                        default -> deliveries.count(sink);
                    };
                    note.append(' ').append(sink).append(' ').append(count).append(',');
                }
            }
            note.append(" failed deliveries ").append(deliveries.failed.get());
            if (COUNT_EXCHANGES) {
                note.append(Benchmark.fmt(", exchanges created per event %.2f",
                        deliveries.created.get() / (double) Math.max(1, deliveries.events.get())));
            }
            if (deliveries.liveHeap > 0) {
                note.append(", live heap at 90% of the events ").append(deliveries.liveHeap >> 20).append(" MB");
            }
            if (peer.get("repeated") > 0) {
                note.append(", repeated webhook ids ").append(peer.get("repeated"));
            }
            return new Outcome(delivered, deliveries.events.get(), nanos, cpu, note.toString());
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
    private static final class Deliveries extends EventNotifierSupport {
        final Map<String, AtomicLong> sent = Map.of("file", new AtomicLong(), "jms", new AtomicLong(),
                "webhook", new AtomicLong(), "email", new AtomicLong(), "syslog", new AtomicLong());
        final AtomicLong failed = new AtomicLong();
        final AtomicLong created = new AtomicLong();
        final AtomicLong events = new AtomicLong();
        final CountDownLatch pollDone = new CountDownLatch(1);
        volatile long pollEnd;
        volatile long pollEndCpu;
        /** After this many events read, one full collection measures the live heap while the poll is under way. */
        private final long probeAt;
        volatile long liveHeap;
        volatile long probeNanos;
        volatile long probeCpuNanos;

        Deliveries(long probeAt) {
            this.probeAt = probeAt;
            setIgnoreCamelContextEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreStepEvents(true);
            setIgnoreExchangeCreatedEvent(!COUNT_EXCHANGES);
            setIgnoreExchangeRedeliveryEvents(true);
            setIgnoreExchangeAsyncProcessingStartedEvents(true);
        }

        /**
         * The heap that is really live mid-poll: "heap after GC" of young collections also counts old garbage that G1
         * has not collected yet, so it cannot tell a leak from a lazy old generation; a full collection can.
         */
        private void probeLiveHeap() {
            long begin = System.nanoTime();
            long cpu = Variant.cpuNanos();
            System.gc();
            liveHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            probeNanos = System.nanoTime() - begin;
            probeCpuNanos = Variant.cpuNanos() - cpu;
        }

        long count(String sink) {
            return sent.get(sink).get();
        }

        @Override
        public void notify(CamelEvent event) {
            if (event instanceof CamelEvent.ExchangeCreatedEvent) {
                created.incrementAndGet();
                return;
            }
            if (event instanceof CamelEvent.ExchangeSentEvent sentEvent) {
                String uri = sentEvent.getEndpoint().getEndpointUri();
                // The sink routes, whatever their implementation (component or bean); only enabled sinks count.
                String sink = !uri.startsWith("direct") ? null
                        : uri.endsWith("pta-sink-file") ? "file"
                        : uri.endsWith("pta-sink-jms") ? "jms"
                        : uri.endsWith("pta-sink-email") ? "email"
                        : uri.endsWith("pta-sink-webhook") ? "webhook"
                        : uri.endsWith("pta-sink-syslog") ? "syslog"
                        : uri.endsWith("pta-accept-event") ? "events" : null;
                if (sink == null) {
                    return;
                }
                if (sink.equals("events")) {
                    if (events.incrementAndGet() == probeAt) {
                        probeLiveHeap();
                    }
                } else if (sentEvent.getExchange().getException() == null) {
                    sent.get(sink).incrementAndGet();
                } else {
                    failed.incrementAndGet();
                }
                return;
            }
            if (event instanceof CamelEvent.ExchangeCompletedEvent || event instanceof CamelEvent.ExchangeFailedEvent) {
                Exchange exchange = ((CamelEvent.ExchangeEvent) event).getExchange();
                if (POLL_ROUTE.equals(exchange.getFromRouteId())
                        && exchange.getProperty(Exchange.CORRELATION_ID) == null) {
                    pollEnd = System.nanoTime();
                    pollEndCpu = Variant.cpuNanos();
                    pollDone.countDown();
                }
            }
        }
    }
}
