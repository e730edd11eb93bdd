package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * Webhook calls run concurrently up to pta.sink.webhook.concurrency, and the versions of one event
 * still arrive in PTA's order even when the first one is slow.
 */
class WebhookConcurrencyTest extends RouterTestSupport {

    private static final int CONCURRENCY = 4;
    private static final String SLOW_EVENT = Events.id(1);

    private HttpServer receiver;
    private ExecutorService receiverThreads;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    private final List<String> arrivals = new ArrayList<>();
    private final Object gate = new Object();

    @BeforeEach
    void receiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        receiverThreads = Executors.newFixedThreadPool(16);
        receiver.setExecutor(receiverThreads);
        receiver.createContext("/", this::handle);
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
        receiverThreads.shutdownNow();
    }

    private static final int port = freePort();

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.webhook.url", "http://127.0.0.1:" + port + "/hook",
                "pta.sink.webhook.concurrency", Integer.toString(CONCURRENCY));
    }

    /** Holds each call until as many as the limit are in flight (or 2 s pass), then answers. */
    private void handle(HttpExchange exchange) throws IOException {
        JsonNode envelope = JSON.readTree(exchange.getRequestBody().readAllBytes());
        String id = envelope.path("metadata").path("id").asText();
        long version = envelope.path("metadata").path("version").asLong();
        int now = inFlight.incrementAndGet();
        mostInFlight.accumulateAndGet(now, Math::max);
        try {
            synchronized (gate) {
                gate.notifyAll();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (inFlight.get() < CONCURRENCY && System.nanoTime() < until) {
                    gate.wait(50);
                }
            }
            if (id.equals(SLOW_EVENT) && version == NOW.toEpochMilli()) {
                // The first version of this event is slow: its second version must still come after it.
                synchronized (gate) {
                    gate.wait(300);
                }
            }
            synchronized (arrivals) {
                arrivals.add(id + "@" + version);
            }
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
            exchange.close();
        }
    }

    @Test
    void callsRunConcurrentlyUpToTheLimitAndTheVersionsOfAnEventKeepTheirOrder() throws Exception {
        stubLogon(TOKEN);
        long t = NOW.toEpochMilli();
        List<ObjectNode> events = new ArrayList<>();
        events.add(Events.security(SLOW_EVENT, "VaultViaIrregularIp", 80.0, t));
        for (int i = 2; i <= 16; i++) {
            events.add(Events.security(Events.id(i), "VaultViaIrregularIp", 60.0, t + i));
        }
        ObjectNode update = Events.security(SLOW_EVENT, "VaultViaIrregularIp", 85.0, t + 100);
        update.put("createTime", t);
        events.add(update);
        stubSecurityEvents(Events.array(events));

        poll("security-events");

        assertThat(arrivals).hasSize(17);
        assertThat(mostInFlight.get()).as("calls in flight at once").isEqualTo(CONCURRENCY);
        assertThat(arrivals.indexOf(SLOW_EVENT + "@" + t)).as("first version before the update")
                .isLessThan(arrivals.indexOf(SLOW_EVENT + "@" + (t + 100)));
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
