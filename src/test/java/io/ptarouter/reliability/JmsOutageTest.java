package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.testing.Events;

/**
 * An Artemis broker, reached over TCP on loopback as an external broker is, that stops for a while and starts
 * again on the same port and journal: the other sinks get every event meanwhile, the watermark waits below what
 * JMS still owes, and once the broker is back a consumer gets every owed event, none twice by its
 * {@code _AMQ_DUPL_ID} or by the version in its body.
 */
class JmsOutageTest extends ReliabilityTestSupport {

    private static final int PORT = freePort();

    private final long t = NOW.toEpochMilli();
    private final DeliveryTally sends = new DeliveryTally();
    private final DeliveryTally consumed = new DeliveryTally();
    private JmsReceiver broker;

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.jms.broker-url", "tcp://127.0.0.1:" + PORT, "pta.sink.jms.timeout", "60s",
                "pta.sink.breaker.minimum-calls", "2", "pta.sink.breaker.failure-rate", "50",
                "pta.sink.breaker.open-for", "300ms");
    }

    @BeforeEach
    void brokerUp() throws Exception {
        startBroker();
    }

    @AfterEach
    void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    @Test
    void aBrokerDownBetweenPollsGetsEveryOwedEventOnceWhenItIsBack() throws Exception {
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1), high(3, t + 2)));
        poll(STREAM);
        await().atMost(Duration.ofSeconds(10)).until(() -> consumed.keys().size() == 3);

        stopBroker();
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1), high(3, t + 2),
                high(4, t + 3), high(5, t + 4), high(6, t + 5)));
        poll(STREAM);

        List<String> keys = IntStream.rangeClosed(1, 6).mapToObj(n -> key(n, t + n - 1)).toList();
        assertThat(fileKeys()).as("file lines while the broker is down").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(webhookKeysAccepted()).as("webhook calls while the broker is down")
                .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(mailIds()).hasSize(6);
        assertThat(watermarks().get(STREAM)).as("below the oldest event JMS owes").hasValue(t + 2);

        startBroker();
        // The breaker opened during the outage: it lets a trial call through after open-for, then closes.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            poll(STREAM);
            assertThat(consumed.keys()).containsExactlyInAnyOrderElementsOf(keys);
        });
        poll(STREAM);

        assertEveryVersionConsumedOnce(keys);
        assertThat(fileKeys()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(webhookKeysAccepted()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(watermarks().get(STREAM)).hasValue(t + 5);
    }

    @Test
    void aBrokerStoppedWhileAPollSendsGetsEveryEventOnceWhenItIsBack() throws Exception {
        int n = 2000;
        List<ObjectNode> events = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            // Low scores: the file and JMS sinks only.
            events.add(Events.security(Events.id(i), "SuspiciousActivitiesDetected", 10.0, t + i));
            keys.add(key(i, t + i));
        }
        stubLogon(TOKEN);
        stubSecurityEvents(Events.array(events));

        CompletableFuture<Void> firstPoll = CompletableFuture.runAsync(() -> {
            try {
                poll(STREAM);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> sends.copies() >= 200);
        stopBroker();
        // The messages in flight are failed when the connection drops, not after pta.sink.jms.timeout (60 s).
        firstPoll.get(30, TimeUnit.SECONDS);

        assertThat(fileKeys()).as("file lines of the poll the broker went down in")
                .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(sends.keys()).as("some, not all, reached the broker").hasSizeBetween(1, n - 1);
        long watermark = watermarks().get(STREAM).orElse(Long.MIN_VALUE);
        assertThat(watermark).as("the watermark waits for what JMS owes").isLessThan(t + n);

        startBroker();
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.backlog() == 0);
        List<String> passed = keys.stream().filter(k -> version(k) <= watermark).toList();
        assertThat(consumed.keys()).as("every version the watermark passed was in the broker's journal")
                .containsAll(passed);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            poll(STREAM);
            assertThat(consumed.keys()).hasSameSizeAs(keys);
        });
        poll(STREAM);

        assertEveryVersionConsumedOnce(keys);
        assertThat(fileKeys()).as("no file line twice").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(watermarks().get(STREAM)).hasValue(t + n);
    }

    private static long version(String key) {
        return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
    }

    private void startBroker() throws Exception {
        broker = new JmsReceiver(work.resolve("broker"), PORT, sends, consumed);
    }

    private void assertEveryVersionConsumedOnce(List<String> keys) {
        assertThat(consumed.keys()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(consumed.unreadable()).isZero();
        assertThat(consumed.duplicates()).as("copies a consumer de-duplicating by _AMQ_DUPL_ID would keep: %s",
                consumed.sampleOfRepeats(5)).isZero();
        assertThat(consumed.keyMismatches(version -> version + "/jms")).as("_AMQ_DUPL_ID of each message").isZero();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
