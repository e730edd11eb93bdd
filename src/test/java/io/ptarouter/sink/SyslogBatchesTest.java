package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.health.DeliveryHealth;
import io.ptarouter.pta.PollFence;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.pta.PtaStream;
import io.ptarouter.routing.EventClassifier;
import io.ptarouter.state.DeliveryStore;
import io.ptarouter.state.JdbcDeliveryStore;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.Rsyslog;

/**
 * The syslog sink's batches against a real rsyslog over TCP, in cluster mode: a poll that lost its stream to another
 * instance sends none of the records it still holds (that instance sends them, and a syslog receiver drops no
 * duplicate), and its events stay owed; a poll that kept it sends them all.
 */
class SyslogBatchesTest {

    @TempDir
    static Path rsyslogDir;
    private static Rsyslog rsyslog;

    @TempDir
    Path data;

    private final CamelContext camel = new DefaultCamelContext();
    private final AtomicBoolean held = new AtomicBoolean(true);
    private DeliveryStore store;
    private PollTracker tracker;
    private SyslogBatches sink;
    private int before;

    @BeforeAll
    static void startRsyslog() throws Exception {
        rsyslog = Rsyslog.start(rsyslogDir);
    }

    @AfterAll
    static void stopRsyslog() throws Exception {
        rsyslog.close();
    }

    @BeforeEach
    void open() throws Exception {
        store = JdbcDeliveryStore.open("jdbc:h2:file:" + data.resolve("state/db"), "", "");
        tracker = new PollTracker(store, new PollTracker.Policy(Duration.ofMinutes(5), Duration.ofDays(1), 1000,
                Duration.ofSeconds(1), Duration.ofHours(1)), new DeadLetters(data.resolve("dead-letter")),
                new SinkBreakers(5, 50, Duration.ofSeconds(30)),
                new DeliveryHealth(Map.of(), Map.of(), new DeliveryHealth.Policy(3, Duration.ofMinutes(15),
                        Duration.ofMinutes(5)), store, Clock.systemUTC()), Clock.systemUTC());
        // Cluster mode: the stream's lease is held while the flag is true.
        tracker.fence(stream -> Optional.of(new PollFence.Lease() {
            @Override
            public boolean stillHeld() {
                return held.get();
            }

            @Override
            public void close() {
            }
        }));
        CefRecords records = new CefRecords(new CefRecords.Settings("13.0", Map.of(), 99,
                CefRecords.parseSeverityFrom("k", List.of("10", "20", "30", "40", "50", "60", "70", "80", "90")), 5,
                "https://pvwa.example/PasswordVault/v10/pta/events?id={id}"));
        sink = new SyslogBatches(new SyslogBatches.Target(SyslogBatches.Transport.TCP, SyslogBatches.Format.RFC5424,
                "127.0.0.1", rsyslog.tcpPort(), 16, "pta-router-test", Duration.ofSeconds(5), null), records, 3,
                Clock.systemUTC());
        before = rsyslog.received().size();
    }

    @AfterEach
    void close() throws Exception {
        sink.close();
        store.close();
        camel.close();
    }

    @Test
    void aPollThatKeptItsStreamSendsEveryRecordAndRecordsThemDelivered() throws Exception {
        Exchange poll = poll();
        for (String id : List.of("a", "b", "c", "d")) {
            sink.process(event(poll, id));
        }

        tracker.finish(poll);

        awaitRecords(4);
        assertThat(store.deliveredSince("security-events", 0)).containsOnlyKeys(
                "security-events/a/1700000000000", "security-events/b/1700000000000",
                "security-events/c/1700000000000", "security-events/d/1700000000000");
    }

    @Test
    void aPollThatLostItsStreamSendsNoneOfTheRecordsItHoldsAndLeavesTheirEventsOwed() throws Exception {
        Exchange poll = poll();
        for (String id : List.of("a-event", "b-event", "c-event")) {
            sink.process(event(poll, id)); // a full batch while the lease is held: sent
        }
        List<Exchange> accepted = List.of(event(poll, "d-event"), event(poll, "e-event"), event(poll, "f-event"));
        held.set(false); // paused past the fence's timeout: another instance polls the stream now
        for (Exchange event : accepted) {
            sink.process(event); // accepted before the pause: the third fills the batch, which is dropped, not sent
        }
        tracker.finish(poll);

        awaitRecords(3);
        Awaitility.await("no record beyond the first batch").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> rsyslog.received().size() - before == 3);
        assertThat(rsyslog.received().subList(before, before + 3)).noneMatch(line -> line.matches(".*[d-f]-event.*"));
        assertThat(store.deliveredSince("security-events", 0)).as("recorded: what was sent").containsOnlyKeys(
                "security-events/a-event/1700000000000", "security-events/b-event/1700000000000",
                "security-events/c-event/1700000000000");
        assertThat(store.get("security-events")).as("the watermark stays for the instance that took over").isEmpty();
    }

    private Exchange poll() {
        Exchange exchange = new DefaultExchange(camel);
        tracker.start(exchange, PtaStream.SECURITY_EVENTS.id());
        return exchange;
    }

    private Exchange event(Exchange poll, String id) {
        Exchange event = poll.copy();
        String key = "security-events/" + id + "/1700000000000";
        event.getMessage().setBody("{\"metadata\":{\"id\":\"" + id + "\"},\"event\":"
                + Events.security(id, "SuspectedCredentialsTheft", 55.5, 1_700_000_000_000L) + "}");
        event.getMessage().setHeader(EventClassifier.STREAM, "security-events");
        event.getMessage().setHeader(EventClassifier.SCORE, 55.5);
        event.getMessage().setHeader(EventClassifier.UPDATE, false);
        event.getMessage().setHeader(EventClassifier.VERSION, 1_700_000_000_000L);
        event.setProperty(EventClassifier.DELIVERY_KEY, key);
        event.setProperty(EventClassifier.EVENT_TIME_MILLIS, System.currentTimeMillis()); // recent: owed, never parked
        tracker.accept(event);
        assertThat(tracker.claim(event, SyslogBatches.SINK)).isTrue();
        tracker.destinationReturned(event);
        return event;
    }

    private void awaitRecords(int count) {
        Awaitility.await("rsyslog wrote " + count + " records").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50)).until(() -> rsyslog.received().size() - before >= count);
    }
}
