package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.mail.internet.MimeMessage;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * A digest is sent once its events waited pta.sink.email.digest.max-wait, not only when it is full or its
 * checkpoint comes: a PVWA sends half an answer and holds the rest until a digest mail has arrived.
 */
class EmailDigestTimeTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final int AFTER = 2;
    private static final int EVENTS = 34;
    private static final long T = NOW.toEpochMilli();
    private static final AtomicBoolean DIGEST_BEFORE_THE_REST = new AtomicBoolean();
    private static HttpServer pvwa;

    @BeforeAll
    static void startPvwa() throws IOException {
        pvwa = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pvwa.createContext("/PasswordVault/API/auth/", exchange -> answer(exchange, "\"" + TOKEN + "\""));
        pvwa.createContext("/PasswordVault/API/Auth/Logoff", exchange -> answer(exchange, "{}"));
        pvwa.createContext("/PasswordVault/API/pta/API/Events/", EmailDigestTimeTest::halfNowHalfAfterADigest);
        pvwa.start();
    }

    @AfterAll
    static void stopPvwa() {
        pvwa.stop(0);
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.base-url", "http://127.0.0.1:" + pvwa.getAddress().getPort(),
                "pta.sink.email.digest.after", Integer.toString(AFTER),
                "pta.sink.email.digest.max-events", "100", "pta.sink.email.digest.max-wait", "300ms",
                "pta.sink.webhook.enabled", "false", "pta.sink.jms.enabled", "false");
    }

    @Test
    void aDigestWhoseEventsWaitedMaxWaitIsSentWhileThePollIsStillReading() throws Exception {
        poll(STREAM);

        assertThat(DIGEST_BEFORE_THE_REST).as("a digest mail arrived while the answer's second half was held back").isTrue();
        Map<String, Integer> listed = new HashMap<>();
        int digests = 0;
        for (MimeMessage mail : mails()) {
            boolean digest = EmailDigestTest.subject(mail).startsWith("[PTA digest]");
            digests += digest ? 1 : 0;
            EmailDigestTest.all(digest ? EmailDigestTest.DIGEST_ID : EmailDigestTest.SINGLE_ID, EmailDigestTest.plainText(mail))
                    .forEach(id -> listed.merge(id, 1, Integer::sum));
        }
        assertThat(digests).as("some completed by time, the last by the poll's end").isGreaterThanOrEqualTo(2);
        assertThat(listed).as("every event id, each once").hasSize(EVENTS).allSatisfy((id, times) -> assertThat(times).isOne());
        assertThat(watermarks().get(STREAM)).as("every event delivered").hasValue(T + EVENTS);
    }

    private static void halfNowHalfAfterADigest(HttpExchange exchange) throws IOException {
        List<ObjectNode> first = new ArrayList<>();
        List<ObjectNode> rest = new ArrayList<>();
        for (int n = 1; n <= EVENTS; n++) {
            (n <= EVENTS / 2 ? first : rest).add(Events.security(Events.id(n), "SuspectedCredentialsTheft", 90.0, T + n));
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            String head = Events.array(first);
            out.write((head.substring(0, head.length() - 1) + ",").getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> List.of(SMTP.getReceivedMessages()).stream()
                        .anyMatch(mail -> EmailDigestTest.subject(mail).startsWith("[PTA digest]")));
                DIGEST_BEFORE_THE_REST.set(true);
            } catch (ConditionTimeoutException e) {
                DIGEST_BEFORE_THE_REST.set(false); // the rest is sent anyway; the test then fails on the flag
            }
            out.write(Events.array(rest).substring(1).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
