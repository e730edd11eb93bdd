package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * A PVWA that answers slowly or without end cannot hold a stream's polls: a whole answer has a
 * deadline (pta.http.answer-timeout), a poll reads at most pta.events.max-per-poll events, and a
 * poll still running when the next one is due says so. Each ends the poll with one line, keeps the
 * watermark, and cuts the connection rather than reading the rest. The peer is a JDK HttpServer on
 * loopback that paces its own writes (WireMock cannot send a byte a second or never end).
 */
class SlowAndEndlessAnswersTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final long T0 = NOW.toEpochMilli() - 60_000;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final SlowPvwa pvwa = new SlowPvwa();

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("pta.base-url", pvwa.url());
        s.put("pta.http.allow-plain-http", "true");
        s.put("pta.sink.email.enabled", "false");
        s.put("pta.sink.webhook.enabled", "false");
        s.put("pta.http.answer-timeout", "2s");
        // longer than the deadline: only the deadline can end these calls
        s.put("pta.http.read-timeout", "30s");
        s.put("pta.http.retry-delay", "10ms");
        s.put("pta.http.max-retry-delay", "20ms");
        if (getCurrentTestName().contains("Endless")) {
            s.put("pta.events.max-per-poll", "5");
        }
        if (getCurrentTestName().contains("NextIsDue")) {
            s.put("pta.security-events.cron", "0/1 * * * * ?");
            s.put("pta.http.answer-timeout", "4s");
        }
        return s;
    }

    @AfterEach
    void stopPvwa() {
        context.stop(); // first, so that its polls and its logoff still find the PVWA
        pvwa.close();
    }

    @Test
    void anAnswerSentAByteASecondFailsThePollAtTheDeadlineInOneLineAndTheWatermarkStays() throws Exception {
        pollOnce(event(1, T0));
        ObjectNode second = event(2, T0 + 1);
        ObjectNode third = event(3, T0 + 2);
        pvwa.answer(exchange -> pvwa.dribble(exchange, "[" + second + ",", third + "]"));

        long started = System.nanoTime();
        poll(STREAM);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).as("the poll ends at the deadline, not after the whole answer").isLessThan(Duration.ofSeconds(12));
        assertThat(pollFailures()).singleElement().satisfies(e -> assertThat(e.getMessage())
                .contains("the answer did not come whole within pta.http.answer-timeout (2 s, while its body was read)"));
        assertThat(failedLines()).singleElement().satisfies(line -> assertThat(line)
                .contains("pta.http.answer-timeout (2 s").contains("watermark stays at " + Instant.ofEpochMilli(T0)));
        assertThat(log.text()).doesNotContain("retrying");
        assertThat(pvwa.requests()).as("one call for each poll, not retried").isEqualTo(2);
        await("the fake PVWA sees its connection cut").atMost(Duration.ofSeconds(5)).untilTrue(pvwa.cut);
        assertThat(watermarks().get(STREAM)).hasValue(T0);
        assertThat(fileIds()).as("what came before the deadline is delivered").containsExactly(Events.id(1), Events.id(2));

        pvwa.answer(exchange -> pvwa.send(exchange, Events.array(event(1, T0), second, third)));
        poll(STREAM);

        assertThat(pollFailures()).hasSize(1);
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2), Events.id(3));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 2);
    }

    @Test
    void anAnswerWhoseHeadersNeverComeFailsThePollAtTheDeadlineWithoutRetries() throws Exception {
        pollOnce(event(1, T0));
        pvwa.answer(exchange -> pvwa.holdHeaders(exchange, Duration.ofSeconds(60)));

        long started = System.nanoTime();
        poll(STREAM);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isLessThan(Duration.ofSeconds(12));
        assertThat(failedLines()).singleElement().satisfies(line -> assertThat(line).contains("AnswerTimeoutException")
                .contains("pta.http.answer-timeout (2 s, before its headers were complete)"));
        assertThat(log.text()).doesNotContain("retrying");
        assertThat(pvwa.requests()).isEqualTo(2);
        assertThat(watermarks().get(STREAM)).hasValue(T0);
    }

    @Test
    void anEndlessAnswerIsReadUpToTheBoundWhatWasReadIsDeliveredAndTheWatermarkDoesNotMove() throws Exception {
        pollOnce(event(1, T0));
        pvwa.answer(pvwa::endless);

        poll(STREAM);

        assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(IncompleteAnswerException.class, e ->
                assertThat(e.getMessage()).contains("more than pta.events.max-per-poll (5) events: stopped reading after 5"));
        assertThat(failedLines()).singleElement().satisfies(line -> assertThat(line).contains("pta.events.max-per-poll (5)")
                .contains("watermark stays at " + Instant.ofEpochMilli(T0)));
        await("the fake PVWA sees its connection cut").atMost(Duration.ofSeconds(5)).untilTrue(pvwa.cut);
        List<String> endless = List.of(Events.id(100), Events.id(101), Events.id(102), Events.id(103), Events.id(104));
        assertThat(fileIds()).as("the events read before the bound").containsExactlyElementsOf(
                concat(Events.id(1), endless));
        assertThat(watermarks().get(STREAM)).as("PTA's order is not guaranteed: events never read may be older")
                .hasValue(T0);

        // The next poll reads from the same place; what the bound cut short was recorded and is not sent again.
        pvwa.answer(exchange -> pvwa.send(exchange, Events.array(event(100, T0 + 100), event(101, T0 + 101),
                event(102, T0 + 102), event(103, T0 + 103), event(99, T0 + 99))));
        poll(STREAM);

        assertThat(pollFailures()).hasSize(1);
        assertThat(fileIds()).containsExactlyElementsOf(concat(Events.id(1), endless, Events.id(99)));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 103);
    }

    @Test
    void anErrorWithAnEndlessBodyIsReadOnlyInPartAndFailsThePollAfterItsRetries() throws Exception {
        pollOnce(event(1, T0));
        pvwa.answer(exchange -> pvwa.endless(exchange, 503));

        long started = System.nanoTime();
        poll(STREAM);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).as("each answer is read in part, not to its end or its deadline").isLessThan(Duration.ofSeconds(6));
        assertThat(failedLines()).singleElement().satisfies(line -> assertThat(line).contains("statusCode: 503")
                .contains("watermark stays at " + Instant.ofEpochMilli(T0)));
        assertThat(log.text()).contains("PTA answered 503, retrying");
        assertThat(pvwa.requests()).as("the first poll's call, then the call and its 3 retries").isEqualTo(5);
    }

    @Test
    void aPollStillRunningWhenTheNextIsDueIsWarnedOfWhileItRuns() {
        pvwa.answer(exchange -> pvwa.dribble(exchange, "[", event(1, T0) + "]"));

        await("the warning").atMost(Duration.ofSeconds(10)).until(() -> log.text().lines().anyMatch(l ->
                l.startsWith("WARN") && l.contains("security-events poll still running at")
                && l.contains("when the next one was due (cron '0/1 * * * * ?')")));
        assertThat(failedLines()).as("the warning comes while the poll runs, before its deadline").isEmpty();
        await("the deadline").atMost(Duration.ofSeconds(15)).until(() -> !failedLines().isEmpty());
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void pollOnce(ObjectNode... events) throws Exception {
        pvwa.answer(exchange -> pvwa.send(exchange, Events.array(events)));
        poll(STREAM);
        assertThat(pollFailures()).isEmpty();
    }

    private List<String> failedLines() {
        return log.text().lines().filter(l -> l.contains(STREAM + " poll failed")).toList();
    }

    private List<String> fileIds() throws IOException {
        return fileEnvelopes(STREAM).stream().map(e -> e.path("metadata").path("id").asText()).toList();
    }

    private static ObjectNode event(int n, long time) {
        return Events.security(Events.id(n), "VaultViaIrregularIp", 50.0, time);
    }

    private static List<String> concat(Object... parts) {
        List<String> all = new java.util.ArrayList<>();
        for (Object part : parts) {
            if (part instanceof List<?> list) {
                list.forEach(p -> all.add((String) p));
            } else {
                all.add((String) part);
            }
        }
        return all;
    }

    /** How the fake PVWA answers the security events call. */
    @FunctionalInterface
    interface Answer {
        void send(HttpExchange exchange) throws IOException, InterruptedException;
    }

    /** The PVWA: a logon that always works, and a security events call answered as the test says. */
    static final class SlowPvwa implements AutoCloseable {

        private final HttpServer server;
        private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "slow-pvwa");
            thread.setDaemon(true);
            return thread;
        });
        private volatile Answer events;
        private final AtomicInteger requests = new AtomicInteger();
        /** Set when writing the answer failed because pta-router closed the connection. */
        final AtomicBoolean cut = new AtomicBoolean();

        SlowPvwa() {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.setExecutor(threads);
            for (String auth : List.of("/PasswordVault/API/auth/", "/PasswordVault/API/Auth/")) {
                server.createContext(auth, exchange -> {
                    try (exchange) {
                        send(exchange, exchange.getRequestURI().getPath().endsWith("Logon") ? "\"" + TOKEN + "\"" : "{}");
                    }
                });
            }
            server.createContext("/PasswordVault/API/pta/API/Events/", exchange -> {
                requests.incrementAndGet();
                cut.set(false);
                try (exchange) {
                    events.send(exchange);
                } catch (IOException e) {
                    cut.set(true);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void answer(Answer answer) {
            events = answer;
        }

        int requests() {
            return requests.get();
        }

        void send(HttpExchange exchange, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        }

        /** {@code head} at once, then {@code rest} one byte a second. */
        void dribble(HttpExchange exchange, String head, String rest) throws IOException, InterruptedException {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            OutputStream body = exchange.getResponseBody();
            body.write(head.getBytes(StandardCharsets.UTF_8));
            body.flush();
            for (byte b : rest.getBytes(StandardCharsets.UTF_8)) {
                Thread.sleep(1000); // the peer's own pace: one byte a second
                body.write(b);
                body.flush();
            }
        }

        /** Accepts the call, then sends nothing for {@code wait}. */
        void holdHeaders(HttpExchange exchange, Duration wait) throws IOException, InterruptedException {
            exchange.getRequestBody().readAllBytes();
            Thread.sleep(wait.toMillis()); // the peer's own pace: no status line yet
            send(exchange, "[]");
        }

        /** An array of events that never ends: ids from 100 up, each a millisecond newer. */
        void endless(HttpExchange exchange) throws IOException {
            endless(exchange, 200);
        }

        void endless(HttpExchange exchange, int status) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, 0);
            OutputStream body = exchange.getResponseBody();
            body.write('[');
            for (int n = 100; ; n++) {
                body.write(((n == 100 ? "" : ",") + event(n, T0 + n)).getBytes(StandardCharsets.UTF_8));
            }
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
