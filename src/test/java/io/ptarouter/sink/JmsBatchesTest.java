package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.Message;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.health.DeliveryHealth;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.pta.PtaStream;
import io.ptarouter.routing.EventClassifier;
import io.ptarouter.state.DeliveryStore;
import io.ptarouter.state.JdbcDeliveryStore;

/**
 * The JMS sink against a real embedded Artemis broker: a poll ends with every message acknowledged,
 * and a message sent again (after a failed poll, or a restart that forgot what was delivered) is
 * dropped by the broker's duplicate detection while the new ones around it are delivered.
 */
class JmsBatchesTest {

    @TempDir
    Path data;

    private final CamelContext camel = new DefaultCamelContext();
    private EmbeddedBroker broker;
    private ActiveMQConnectionFactory connections;
    private DeliveryStore store;
    private PollTracker tracker;

    @BeforeEach
    void broker() throws Exception {
        broker = new EmbeddedBroker(data, 0, "q");
        broker.start();
        connections = new ActiveMQConnectionFactory("vm://0");
        connections.setConfirmationWindowSize(1024 * 1024);
        store = JdbcDeliveryStore.open("jdbc:h2:file:" + data.resolve("state/db"), "", "");
        tracker = tracker(store);
    }

    private PollTracker tracker(DeliveryStore state) {
        return tracker(state, new SinkBreakers(5, 50, Duration.ofSeconds(30)));
    }

    /** Parks what fails for good or is older than an hour. */
    private PollTracker tracker(DeliveryStore state, SinkBreakers breakers) {
        return new PollTracker(state, new PollTracker.Policy(Duration.ofMinutes(5), Duration.ofDays(1), 1000,
                Duration.ofSeconds(1), Duration.ofHours(1)), new DeadLetters(data.resolve("dead-letter")), breakers,
                // no stream or sink tracked: this test looks at what the broker holds, not at readiness
                new DeliveryHealth(Map.of(), Map.of(), new DeliveryHealth.Policy(3, Duration.ofMinutes(15),
                        Duration.ofMinutes(5)), state, Clock.systemUTC()), Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        connections.close();
        broker.stop();
        store.close();
        camel.close();
    }

    @Test
    void aPollEndsOnlyWhenTheBrokerHasAcknowledgedEveryMessage() throws Exception {
        JmsBatches sink = new JmsBatches(connections, "q", 1000);
        Exchange poll = poll();
        sink.send(event(poll, "a"));
        sink.send(event(poll, "b"));

        tracker.finish(poll);

        assertQueueHoldsAndStateRecords("a", "b");
    }

    @Test
    void theSameEventVersionSentAgainInALaterPollIsDroppedByTheBroker() throws Exception {
        JmsBatches sink = new JmsBatches(connections, "q", 2);
        for (int attempt = 0; attempt < 2; attempt++) {
            Exchange poll = poll();
            sink.send(event(poll, "a"));
            sink.send(event(poll, "b"));
            sink.send(event(poll, "c"));
            tracker.finish(poll);
            store.close(); // a restart that forgot what was delivered
            store = JdbcDeliveryStore.open("jdbc:h2:file:" + data.resolve("state/db" + attempt), "", "");
            tracker = tracker(store);
        }

        List<Message> received = drain();
        assertThat(received).extracting(m -> m.getStringProperty(EventClassifier.ID)).containsExactly("a", "b", "c");
        assertThat(received.get(0).getStringProperty(JmsBatches.DUPLICATE_ID)).isEqualTo("security-events/a/1/jms");
    }

    @Test
    void aPollThatLostItsStreamToAnotherInstanceCommitsNothingMoreAndLeavesTheEventsOwed() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean held = leaseHeldWhileTrue();
        JmsBatches sink = new JmsBatches(connections, "q", 2);
        long now = System.currentTimeMillis(); // recent: owed, not old enough to be parked
        Exchange poll = poll();
        sink.send(event(poll, "a", now));
        sink.send(event(poll, "b", now)); // a full transaction while the lock is held: committed
        assertThat(receive(2)).extracting(m -> m.getStringProperty(EventClassifier.ID)).containsExactly("a", "b");
        held.set(false); // paused past the fence's timeout: another instance polls the stream now
        sink.send(event(poll, "c", now));
        sink.send(event(poll, "d", now)); // fills the transaction, which is rolled back instead of committed
        sink.send(event(poll, "e", now)); // not sent, not failed: the batch sends nothing more, and e stays owed

        tracker.finish(poll);

        assertThat(store.deliveredSince("security-events", 0)).as("recorded: only what was committed")
                .containsOnlyKeys("security-events/a/1", "security-events/b/1");
        assertThat(store.get("security-events")).as("the watermark stays for the instance that took over").isEmpty();
        assertThat(drain()).isEmpty();
    }

    @Test
    void aPollThatLostItsStreamBeforeItsEndRollsItsOpenTransactionBack() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean held = leaseHeldWhileTrue();
        JmsBatches sink = new JmsBatches(connections, "q", 1000);
        long now = System.currentTimeMillis(); // recent: owed, not old enough to be parked
        Exchange poll = poll();
        sink.send(event(poll, "a", now));
        sink.send(event(poll, "b", now));
        held.set(false); // paused past the fence's timeout at the poll's end: another instance delivers a and b

        tracker.finish(poll);

        assertThat(drain()).as("the open transaction is rolled back, not committed").isEmpty();
        assertThat(store.deliveredSince("security-events", 0)).as("nothing recorded as delivered").isEmpty();
        assertThat(store.get("security-events")).as("the watermark stays for the instance that took over").isEmpty();
    }

    @Test
    void eventsOlderThanParkAfterThatAPollLostWithItsStreamAreNeitherParkedNorCountedAgainstTheSink() throws Exception {
        SinkBreakers breakers = new SinkBreakers(1, 50, Duration.ofSeconds(30));
        tracker = tracker(store, breakers);
        java.util.concurrent.atomic.AtomicBoolean held = leaseHeldWhileTrue();
        JmsBatches sink = new JmsBatches(connections, "q", 1000);
        long old = System.currentTimeMillis() - Duration.ofHours(2).toMillis(); // past park-after (1 h)
        Exchange poll = poll();
        sink.send(event(poll, "a", old));
        sink.send(event(poll, "b", old));
        held.set(false); // paused past the fence's timeout: the instance that took over delivers a and b

        tracker.finish(poll);

        assertThat(drain()).isEmpty();
        assertThat(data.resolve("dead-letter")).as("nothing parked: another instance delivers them")
                .satisfiesAnyOf(dir -> assertThat(dir).doesNotExist(), dir -> assertThat(dir).isEmptyDirectory());
        assertThat(breakers.of("jms").getMetrics().getNumberOfFailedCalls()).as("no failure counted against the sink")
                .isZero();
        assertThat(store.deliveredSince("security-events", 0)).isEmpty();
    }

    /** Polls in cluster mode, whose stream's lease is held while the returned flag is true. */
    private java.util.concurrent.atomic.AtomicBoolean leaseHeldWhileTrue() {
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        tracker.fence(stream -> java.util.Optional.of(new io.ptarouter.pta.PollFence.Lease() {
            @Override
            public boolean stillHeld() {
                return held.get();
            }

            @Override
            public void close() {
            }
        }));
        return held;
    }

    @Test
    void whatTheSendingThreadCouldNotSendStaysOwedAndTheNextPollDeliversIt() throws Exception {
        // 200 failures would open the default test breaker, and the next poll would skip the sink
        tracker = tracker(store, new SinkBreakers(1000, 100, Duration.ofSeconds(30)));
        JmsBatches sink = new JmsBatches(connections, "q", 1000);
        long now = System.currentTimeMillis(); // recent: owed, not old enough to be parked
        String[] ids = java.util.stream.IntStream.range(0, 200).mapToObj(i -> "e" + i).toArray(String[]::new);
        Exchange poll = poll();
        for (String id : ids) {
            sink.send(event(poll, id, now)); // three handovers of 64 go to the sending thread now, 8 wait for the end
        }
        broker.stop(); // the open transaction can never commit

        tracker.finish(poll); // the sink's failure is logged, and its events retried

        assertThat(store.deliveredSince("security-events", 0)).as("nothing recorded as delivered").isEmpty();
        assertThat(store.get("security-events")).as("the watermark stays below what JMS owes").isEmpty();

        broker = new EmbeddedBroker(data, 0, "q");
        broker.start();
        Exchange next = poll();
        for (String id : ids) {
            sink.send(event(next, id, now));
        }
        tracker.finish(next);
        assertQueueHoldsAndStateRecords(ids);
        sink.close();
    }

    @Test
    void theSameEventVersionTwiceInOneTransactionIsSentOnce() throws Exception {
        JmsBatches sink = new JmsBatches(connections, "q", 1000);
        Exchange poll = poll();
        sink.send(event(poll, "a"));
        sink.send(event(poll, "a"));
        sink.send(event(poll, "b"));

        tracker.finish(poll);

        assertQueueHoldsAndStateRecords("a", "b");
    }

    @Test
    void aBytesMessageHoldsTheUtf8BytesOfTheEvent() throws Exception {
        JmsBatches sink = new JmsBatches(connections, "q", 1000, JmsBatches.MessageType.BYTES);
        Exchange poll = poll();
        Exchange event = event(poll, "a");
        String text = "{\"metadata\":{\"id\":\"a\"},\"event\":{\"user\":\"J\u00fcrgen \u20ac \ud83d\udd12\"}}";
        event.getMessage().setBody(text);
        sink.send(event);
        tracker.finish(poll);

        List<Message> received = drain();
        assertThat(received).hasSize(1).first().isInstanceOf(jakarta.jms.BytesMessage.class);
        assertThat(received.get(0).getBody(byte[].class)).isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The queue holds these events, each once and in this order, and each commit was recorded as a delivery. */
    private void assertQueueHoldsAndStateRecords(String... ids) {
        assertThat(drain()).extracting(m -> m.getStringProperty(EventClassifier.ID)).containsExactly(ids);
        assertThat(store.deliveredSince("security-events", 0))
                .containsOnlyKeys(java.util.Arrays.stream(ids).map(id -> "security-events/" + id + "/1").toList())
                // JMS was the only sink these versions went to: each is recorded as done.
                .allSatisfy((key, recorded) -> assertThat(recorded.sinks()).contains(DeliveryStore.DONE));
    }

    private Exchange poll() {
        Exchange exchange = new DefaultExchange(camel);
        tracker.start(exchange, PtaStream.SECURITY_EVENTS.id());
        return exchange;
    }

    private Exchange event(Exchange poll, String id) {
        return event(poll, id, 1L);
    }

    private Exchange event(Exchange poll, String id, long eventTimeMillis) {
        Exchange event = poll.copy();
        event.getMessage().setBody("{\"metadata\":{\"id\":\"" + id + "\"},\"event\":{}}");
        event.getMessage().setHeader(EventClassifier.ID, id);
        event.setProperty(EventClassifier.DELIVERY_KEY, "security-events/" + id + "/1");
        event.setProperty(EventClassifier.EVENT_TIME_MILLIS, eventTimeMillis);
        tracker.accept(event);
        assertThat(tracker.claim(event, "jms")).isTrue();
        tracker.destinationReturned(event); // the router returns once the sink has the message in its batch
        return event;
    }

    /** The next {@code count} messages on the queue, waiting for each up to 10 s (the sink sends from its own thread). */
    private List<Message> receive(int count) {
        List<Message> messages = new ArrayList<>();
        try (JMSContext jms = connections.createContext(); JMSConsumer consumer = jms.createConsumer(jms.createQueue("q"))) {
            for (int i = 0; i < count; i++) {
                Message message = consumer.receive(10_000);
                assertThat(message).as("message %d of %d", i + 1, count).isNotNull();
                messages.add(message);
            }
        }
        return messages;
    }

    private List<Message> drain() {
        List<Message> messages = new ArrayList<>();
        try (JMSContext jms = connections.createContext(); JMSConsumer consumer = jms.createConsumer(jms.createQueue("q"))) {
            Message message = consumer.receive(500);
            while (message != null) {
                messages.add(message);
                message = consumer.receive(100);
            }
        }
        return messages;
    }
}
