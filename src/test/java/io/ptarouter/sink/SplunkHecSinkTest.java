package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.FakeSplunkHec;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * body-format=splunk-hec: the webhook sink against a collector that checks what Splunk checks. An
 * event counts as delivered when the collector acknowledged it, a busy collector is retried, a
 * refused token is never written to the log.
 */
class SplunkHecSinkTest extends RouterTestSupport {

    private static final String HEC_TOKEN = "6b8f1c2e-hec-token-4f1a";
    private static final FakeSplunkHec HEC = start();

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static FakeSplunkHec start() {
        try {
            return new FakeSplunkHec(HEC_TOKEN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopHec() {
        HEC.close();
    }

    @BeforeEach
    void freshCollector() {
        HEC.reset();
        stubLogon(TOKEN);
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.webhook.url", HEC.eventUrl().toString(),
                "pta.sink.webhook.body-format", "splunk-hec",
                "pta.sink.webhook.splunk-hec.token", HEC_TOKEN,
                "pta.sink.webhook.splunk-hec.index", "pta",
                "pta.sink.webhook.splunk-hec.ack-timeout", "1s",
                // the harness's bearer header: the HEC's Splunk authorization replaces it
                "pta.sink.email.enabled", "false");
    }

    private void twoEvents() {
        long t = NOW.toEpochMilli();
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 91.0, t + 123),
                Events.security(Events.id(2), "VaultViaIrregularIp", 50.0, t + 1)));
    }

    @Test
    void eventsArriveAsHecEventsAndCountDeliveredOnceAcknowledged() throws Exception {
        twoEvents();
        poll("security-events");

        List<JsonNode> events = HEC.events();
        assertThat(events).hasSize(2);
        JsonNode theft = events.stream().filter(e -> e.at("/event/metadata/id").asText().equals(Events.id(1))).findFirst().orElseThrow();
        assertThat(theft.path("time").isNumber()).isTrue();
        assertThat(theft.path("time").decimalValue()).isEqualByComparingTo(
                java.math.BigDecimal.valueOf(NOW.toEpochMilli() + 123, 3));
        assertThat(theft.path("sourcetype").asText()).isEqualTo("cyberark:pta:event");
        assertThat(theft.path("source").asText()).isEqualTo("pta-router");
        assertThat(theft.path("index").asText()).isEqualTo("pta");
        assertThat(theft.path("host").asText()).isNotBlank();
        assertThat(theft.at("/event/event/type").asText()).isEqualTo("SuspectedCredentialsTheft");
        assertThat(theft.at("/event/metadata/severity").asText()).isEqualTo("high");
        assertThat(HEC.acknowledged()).hasSize(2);
        assertThat(HEC.ackQueries()).isPositive();
        assertThat(HEC.refusals()).isEmpty();

        poll("security-events"); // both are delivered: nothing is sent again
        assertThat(HEC.events()).hasSize(2);
    }

    @Test
    void eventsTheCollectorHasNotAcknowledgedAreOwedAndSentAgainUntilItDoes() throws Exception {
        HEC.grantAcks(false);
        twoEvents();
        poll("security-events");
        assertThat(HEC.events()).hasSize(2); // received, but not indexed: not delivered
        poll("security-events");
        assertThat(HEC.events()).hasSize(4);
        assertThat(log.text()).contains("the Splunk HEC did not acknowledge", "events within 1000 ms");

        HEC.grantAcks(true);
        poll("security-events");
        assertThat(HEC.events()).hasSize(6);
        assertThat(HEC.acknowledged()).hasSize(2);
        poll("security-events");
        assertThat(HEC.events()).hasSize(6); // now delivered
    }

    @Test
    void aCollectorWithoutAcknowledgementCountsAnEventDeliveredWhenItTakesIt() throws Exception {
        HEC.ackEnabled(false);
        twoEvents();
        poll("security-events");
        poll("security-events");

        assertThat(HEC.events()).hasSize(2);
        assertThat(HEC.ackQueries()).isZero();
    }

    @Test
    void aBusyCollectorIsRetriedAndLosesNothing() throws Exception {
        HEC.busyFor(2);
        twoEvents();
        poll("security-events");
        poll("security-events");

        assertThat(HEC.refusals()).containsExactly("503 9 Server is busy", "503 9 Server is busy");
        assertThat(HEC.events().stream().map(e -> e.at("/event/metadata/id").asText()))
                .containsExactlyInAnyOrder(Events.id(1), Events.id(2));
        assertThat(HEC.acknowledged()).hasSize(2);
    }

    @Test
    void aRefusedTokenParksTheEventsAndNoTokenReachesTheLog() throws Exception {
        restart(Map.of("pta.sink.webhook.splunk-hec.token", "wrong-hec-token-9z"));
        twoEvents();
        poll("security-events");

        assertThat(HEC.refusals()).containsExactly("403 4 Invalid token", "403 4 Invalid token");
        assertThat(HEC.events()).isEmpty();
        assertThat(parkedWebhookRecords()).hasSize(2).noneMatch(r -> r.contains("wrong-hec-token-9z"));
        assertThat(log.text()).contains("HTTP 403").doesNotContain("wrong-hec-token-9z", HEC_TOKEN);
    }

    @Test
    void parkedEventsReplayedOnceTheTokenIsFixedReachTheCollectorAndAreAcknowledged() throws Exception {
        restart(Map.of("pta.sink.webhook.splunk-hec.token", "wrong-hec-token-9z"));
        twoEvents();
        poll("security-events");
        assertThat(parkedWebhookRecords()).hasSize(2);
        restart(Map.of());

        Path replay = Files.createDirectories(work.resolve("dead-letter/replay"));
        try (Stream<Path> files = Files.list(work.resolve("dead-letter"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("webhook-")).toList()) {
                Files.copy(file, replay.resolve(file.getFileName()));
            }
        }

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(HEC.acknowledged().stream().map(e -> e.at("/event/metadata/id").asText()))
                        .containsExactlyInAnyOrder(Events.id(1), Events.id(2)));
        assertThat(HEC.events()).hasSize(2);
    }

    @Test
    void withAcknowledgementOffACollectorThatRequiresItRefusesEveryEventForTheMissingChannel() throws Exception {
        restart(Map.of("pta.sink.webhook.splunk-hec.ack", "off"));
        twoEvents();
        poll("security-events");

        assertThat(HEC.refusals()).containsExactly("400 10 Data channel is missing", "400 10 Data channel is missing");
        assertThat(parkedWebhookRecords()).hasSize(2);
    }

    private List<String> parkedWebhookRecords() throws IOException {
        List<String> parked = new ArrayList<>();
        try (Stream<Path> files = Files.list(work.resolve("dead-letter"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("webhook-")).toList()) {
                parked.addAll(Files.readAllLines(file));
            }
        }
        return parked;
    }
}
