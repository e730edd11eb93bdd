package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeTimedOutException;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.quartz.JobKey;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ptarouter.routing.EventClassifier;
import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.state.Watermarks;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.PollWatcher;

/**
 * The source Kamelet in a host's CamelContext, with the host's own steps after it as the destination and
 * the host context's own (default) error handling: an event the destination did not take without an
 * exception stays owed, the poll says so in its line and keeps the watermark below it, and the next
 * run (a new CamelContext on the same state) delivers it to the destination again. A failure the
 * host's own error handler marks handled is the host's: it counts as delivered. A poll abandoned at
 * shutdown records only what the destination took. In a package of its own, as a host's code is:
 * Camel Main scans io.ptarouter for RouteBuilders, and would load this test's into the app's tests.
 */
class EmbeddedDestinationFailureTest {

    private static final String NEVER = "0 0 0 1 1 ? 2099";
    private static final String STREAM = "security-events";
    private static final String FEED = "soc-feed";

    @TempDir
    Path work;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private PtaSimulator simulator;
    private CamelContext context;
    private PollWatcher polls;
    private MeterRegistry meters;
    /** The source Kamelet the host takes. */
    private String kamelet = "pta-security-events-source";
    /** Where the log of the current CamelContext begins. */
    private int logMark;

    /** What the host's destination saw: every event it was called with, and those it took. */
    private final List<String> called = new CopyOnWriteArrayList<>();
    private final Set<String> taken = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> eventTimes = new ConcurrentHashMap<>();

    @BeforeEach
    void startSimulator() {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
    }

    @AfterEach
    void stop() throws Exception {
        if (context != null) {
            context.close();
        }
        simulator.close();
    }

    @Test
    void eventsTheDestinationThrewOnStayOwedAndAreDeliveredAgainAfterARestart() throws Exception {
        Set<String> refused = ConcurrentHashMap.newKeySet();
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(source()).routeId("soc-collector").process(exchange -> {
                    String key = key(exchange);
                    called.add(key);
                    if (called.size() % 4 == 0) {
                        refused.add(key);
                        throw new IOException("the SOC collector refused " + key);
                    }
                    taken.add(key);
                });
            }
        });

        polls.poll(context, FEED, FEED);

        int events = simulator.securityEventCount();
        assertThat(called).as("the destination was called once for each event").hasSize(events).doesNotHaveDuplicates();
        assertThat(refused).hasSize(events / 4);
        assertThat(pollLines()).as("the poll ended with its line, naming what is owed").singleElement().satisfies(line ->
                assertThat(line).contains("polled " + events + " " + STREAM)
                        .contains(events / 4 + " failed deliveries")
                        .contains(events / 4 + " events still owed"));
        assertThat(log.text()).as("the poll did not end at Quartz, unreported").doesNotContain("Error processing exchange");
        assertThat(lines(line -> line.contains("the destination did not take"))).hasSize(refused.size());
        assertThat(watermark()).as("the watermark stays below the oldest event the destination still owes")
                .hasValue(oldestTime(refused) - 1);
        assertThat(meters.find("pta.sink.owed.events").tag("sink", "(destination)").gauge().value())
                .as("pta_sink_owed_events{sink=\"(destination)\"}").isEqualTo(events / 4);
        HealthCheck destination = context.getRegistry().lookupByNameAndType("pta-destination", HealthCheck.class);
        await("readiness past pta.health.max-owed-age").atMost(Duration.ofSeconds(10))
                .until(() -> destination.call().getState() == HealthCheck.State.DOWN);
        assertThat(destination.call().getMessage()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("the destination (the route after the source: the host's, or pta-router's routing): has owed "
                            + "events since").contains(events / 4 + " events now"));

        restart(new RouteBuilder() {
            @Override
            public void configure() {
                from(source()).routeId("soc-collector").process(exchange -> {
                    called.add(key(exchange));
                    taken.add(key(exchange));
                });
            }
        });
        polls.poll(context, FEED, FEED);

        assertThat(called).as("after the restart, the destination got the events it had refused, and only those")
                .containsExactlyInAnyOrderElementsOf(refused);
        assertThat(taken).hasSize(events);
        assertThat(pollLines()).singleElement().asString()
                .contains(": " + refused.size() + " new").doesNotContain("still owed");
        assertThat(watermark()).hasValue(newestTime());
        assertThat(context.getRegistry().lookupByNameAndType("pta-destination", HealthCheck.class).call().getState())
                .isEqualTo(HealthCheck.State.UP);
        assertThat(meters.find("pta.sink.owed.events").tag("sink", "(destination)").gauge().value()).isZero();
    }

    @Test
    void eventsTheDestinationTimedOutOnStayOwedAndAreDeliveredAgainAfterARestart() throws Exception {
        CountDownLatch collectorAnswers = new CountDownLatch(1);
        Set<String> slow = ConcurrentHashMap.newKeySet();
        try {
            start(new RouteBuilder() {
                @Override
                public void configure() {
                    // The host hands some events to a collector that does not answer within its timeout.
                    from(source()).routeId("soc-collector")
                            .process(exchange -> called.add(key(exchange)))
                            .choice()
                                .when(exchange -> called.size() % 5 == 0)
                                    .process(exchange -> slow.add(key(exchange)))
                                    .to("seda:slow-collector?waitForTaskToComplete=Always&timeout=200")
                            .end()
                            .process(exchange -> taken.add(key(exchange)));
                    from("seda:slow-collector").routeId("slow-collector").process(exchange -> collectorAnswers.await());
                }
            });

            polls.poll(context, FEED, FEED);

            int events = simulator.securityEventCount();
            assertThat(called).hasSize(events).doesNotHaveDuplicates();
            assertThat(taken).hasSize(events - events / 5).doesNotContainAnyElementsOf(slow);
            assertThat(pollLines()).singleElement().asString()
                    .contains("polled " + events + " " + STREAM)
                    .contains(events / 5 + " failed deliveries")
                    .contains(events / 5 + " events still owed");
            assertThat(lines(line -> line.contains("the destination did not take")))
                    .as("each event that timed out is named, with the timeout").hasSize(slow.size())
                    .allSatisfy(line -> assertThat(line).contains(ExchangeTimedOutException.class.getSimpleName()));
            assertThat(watermark()).hasValue(oldestTime(slow) - 1);
        } finally {
            collectorAnswers.countDown();
        }

        restart(new RouteBuilder() {
            @Override
            public void configure() {
                from(source()).routeId("soc-collector").process(exchange -> {
                    called.add(key(exchange));
                    taken.add(key(exchange));
                });
            }
        });
        polls.poll(context, FEED, FEED);

        assertThat(called).as("after the restart, the destination got the events that had timed out, and only those")
                .containsExactlyInAnyOrderElementsOf(slow);
        assertThat(taken).hasSize(simulator.securityEventCount());
        assertThat(pollLines()).singleElement().asString().contains(": " + slow.size() + " new").doesNotContain("still owed");
    }

    @Test
    void aFailureTheHostsOwnErrorHandlerMarksHandledIsTheHostsAndCountsAsDelivered() throws Exception {
        Set<String> handledByHost = ConcurrentHashMap.newKeySet();
        start(new RouteBuilder() {
            @Override
            public void configure() {
                // The host parks what its collector refuses in a store of its own: it took responsibility.
                onException(IOException.class).handled(true).process(exchange -> handledByHost.add(key(exchange)));
                from(source()).routeId("soc-collector").process(exchange -> {
                    String key = key(exchange);
                    called.add(key);
                    if (called.size() % 4 == 0) {
                        throw new IOException("the SOC collector refused " + key);
                    }
                    taken.add(key);
                });
            }
        });

        polls.poll(context, FEED, FEED);

        int events = simulator.securityEventCount();
        assertThat(called).hasSize(events);
        assertThat(handledByHost).hasSize(events / 4);
        assertThat(pollLines()).singleElement().asString()
                .contains("polled " + events + " " + STREAM).contains(events + " new")
                .contains("0 failed deliveries").doesNotContain("still owed");
        assertThat(watermark()).hasValue(newestTime());

        restart(new RouteBuilder() {
            @Override
            public void configure() {
                from(source()).routeId("soc-collector").process(exchange -> called.add(key(exchange)));
            }
        });
        polls.poll(context, FEED, FEED);

        assertThat(called).as("the events the host handled are not delivered again").isEmpty();
        assertThat(pollLines()).singleElement().asString().contains(": 0 new");
    }

    @Test
    void theRiskEventsSourceLeavesWhatItsDestinationThrewOnOwedToo() throws Exception {
        Set<String> refused = ConcurrentHashMap.newKeySet();
        kamelet = "pta-risk-events-source";
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(source()).routeId("soc-collector").process(exchange -> {
                    String key = key(exchange);
                    called.add(key);
                    if (called.size() % 10 == 0) {
                        refused.add(key);
                        throw new IOException("the SOC collector refused " + key);
                    }
                });
            }
        });

        polls.poll(context, FEED, FEED);

        int events = called.size();
        assertThat(events).as("more than one page of risk events (100 a page)").isGreaterThan(100);
        assertThat(pollLines()).singleElement().asString().contains("polled " + events + " risk-events")
                .contains(events / 10 + " events still owed");
        assertThat(watermark("risk-events")).hasValue(oldestTime(refused) - 1);

        restart(new RouteBuilder() {
            @Override
            public void configure() {
                from(source()).routeId("soc-collector").process(exchange -> called.add(key(exchange)));
            }
        });
        polls.poll(context, FEED, FEED);

        assertThat(called).containsExactlyInAnyOrderElementsOf(refused);
        assertThat(pollLines()).singleElement().asString().doesNotContain("still owed");
    }

    @Test
    void aPollAbandonedAtShutdownRecordsOnlyWhatTheDestinationTook() throws Exception {
        CountDownLatch fifthCallStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> pollThread = new AtomicReference<>();
        Set<String> takenBeforeShutdown;
        try {
            start(new RouteBuilder() {
                @Override
                public void configure() {
                    // The fifth call hangs until the test lets it go: the stop finds the poll inside the destination.
                    from(source()).routeId("soc-collector").process(exchange -> {
                        called.add(key(exchange));
                        if (called.size() == 5) {
                            pollThread.set(Thread.currentThread());
                            fifthCallStarted.countDown();
                            release.await();
                        }
                        taken.add(key(exchange));
                    });
                }
            });
            // As this app does (application.properties): the stop does not wait for the poll past its timeout.
            context.getComponent("quartz", QuartzComponent.class).setInterruptJobsOnShutdown(true);
            context.getShutdownStrategy().setTimeout(1);
            context.getShutdownStrategy().setTimeUnit(TimeUnit.SECONDS);
            context.getComponent("quartz", QuartzComponent.class).getScheduler().triggerJob(JobKey.jobKey(FEED, "pta"));
            assertThat(fifthCallStarted.await(30, TimeUnit.SECONDS)).as("the fifth event reached the destination").isTrue();

            context.close();
            takenBeforeShutdown = Set.copyOf(taken);
        } finally {
            release.countDown();
        }
        // The abandoned poll's thread runs on into a stopped context; it is over before the next run starts.
        pollThread.get().join(Duration.ofSeconds(30).toMillis());
        assertThat(pollThread.get().isAlive()).isFalse();
        assertThat(takenBeforeShutdown).hasSize(4);
        assertThat(lines(line -> line.contains("abandoned at shutdown"))).singleElement().asString()
                .contains("after 5 events").contains("1 events are still owed");

        logMark = log.text().length();
        called.clear();
        start(new RouteBuilder() {
            @Override
            public void configure() {
                from(source()).routeId("soc-collector").process(exchange -> called.add(key(exchange)));
            }
        });
        polls.poll(context, FEED, FEED);

        int events = simulator.securityEventCount();
        assertThat(called).as("the next run delivers every event but the four the destination had taken, once")
                .hasSize(events - 4).doesNotHaveDuplicates().doesNotContainAnyElementsOf(takenBeforeShutdown);
        assertThat(pollLines()).singleElement().asString().contains(": " + (events - 4) + " new");
    }

    /** Whether Camel hands each event to the host's route as it is rather than as a copy (see the subclass). */
    boolean handsOverWithoutCopy() {
        return false;
    }

    private void start(RoutesBuilder host) throws Exception {
        context = new DefaultCamelContext();
        // camel.main.jmx-management-register-routes-create-by-kamelet, as Camel Main applies it
        context.getManagementStrategy().getManagementAgent().setRegisterRoutesCreateByKamelet(handsOverWithoutCopy());
        Properties p = new Properties();
        p.setProperty("pta.base-url", simulator.baseUrl());
        p.setProperty("pta.http.allow-plain-http", "true");
        p.setProperty("pta.auth.username", simulator.options().username());
        p.setProperty("pta.auth.password", simulator.options().password());
        p.setProperty("pta.security-events.cron", NEVER);
        p.setProperty("pta.risk-events.cron", NEVER);
        p.setProperty("pta.sink.rejected.directory", work.resolve("rejected").toString());
        p.setProperty("pta.state.jdbc-url", "jdbc:h2:file:" + work.resolve("state/pta-router"));
        p.setProperty("pta.delivery.dead-letter-directory", work.resolve("dead-letter").toString());
        p.setProperty("pta.health.max-owed-age", "1ms");
        meters = new SimpleMeterRegistry();
        context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, meters);
        context.getPropertiesComponent().setLocation("classpath:application.properties");
        context.getPropertiesComponent().setOverrideProperties(p);
        context.addRoutes(host);
        polls = PollWatcher.watch(context);
        context.start();
    }

    /** The host route's start: the source Kamelet, its route named FEED, polled by the Quartz job FEED. */
    private String source() {
        return "kamelet:" + kamelet + "/" + FEED + "?job=" + FEED + "&cron=" + NEVER.replace(' ', '+')
                + "&baseUrl={{pta.base-url}}&allowPlainHttp=true"; // the account: the pta.auth.* properties
    }

    /** A new CamelContext on the same delivery state, with the host's destination as it is now. */
    private void restart(RoutesBuilder host) throws Exception {
        context.close();
        assertThat(lines(line -> line.contains("abandoned at shutdown"))).as("no poll was left in flight at shutdown").isEmpty();
        called.clear();
        logMark = log.text().length();
        start(host);
    }

    /** The poll lines logged since the last (re)start. */
    private List<String> pollLines() {
        return lines(line -> line.contains("PollTracker") && (line.contains(" polled ") || line.contains(" poll failed")));
    }

    private List<String> lines(Predicate<String> which) {
        return log.text().substring(logMark).lines().filter(which).toList();
    }

    private OptionalLong watermark() {
        return watermark(STREAM);
    }

    private OptionalLong watermark(String stream) {
        return context.getRegistry().lookupByNameAndType("ptaWatermarks", Watermarks.class).get(stream);
    }

    private long oldestTime(Set<String> keys) {
        return keys.stream().mapToLong(eventTimes::get).min().orElseThrow();
    }

    private long newestTime() {
        return eventTimes.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    /** The event's delivery key; remembers its time, to check the watermark against. */
    private String key(Exchange exchange) {
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class);
        eventTimes.put(key, exchange.getProperty(EventClassifier.EVENT_TIME_MILLIS, Long.class));
        return key;
    }
}
