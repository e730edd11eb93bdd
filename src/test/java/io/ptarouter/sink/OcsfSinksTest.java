package io.ptarouter.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.OcsfSchema;
import io.ptarouter.testing.RouterTestSupport;

/** body-format=ocsf: the file, JMS and webhook sinks deliver OCSF Detection Findings through the real routes. */
class OcsfSinksTest extends RouterTestSupport {

    private static final OcsfSchema SCHEMA = new OcsfSchema();
    private static final String CLASS = "findings/detection_finding";

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.file.body-format", "ocsf", "pta.sink.jms.body-format", "ocsf",
                "pta.sink.webhook.body-format", "ocsf", "pta.sink.email.enabled", "false");
    }

    @Test
    void everySinkDeliversValidDetectionFindingsAndAnUpdateAsAnUpdate() throws Exception {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        long t = NOW.toEpochMilli();
        ObjectNode theft = Events.security(Events.id(1), "SuspectedCredentialsTheft", 91.0, t);
        ((ObjectNode) theft.path("audits").path(0)).put("vaultUser", "mike").putObject("source").put("mOriginalAddress", "192.0.2.1");
        stubSecurityEvents(Events.array(theft, Events.security(Events.id(2), "VaultViaIrregularIp", 50.0, t + 1)));
        poll("security-events");
        ObjectNode updated = theft.deepCopy().put("lastUpdateTime", t + 10).put("mStatus", "CLOSED");
        stubSecurityEvents(Events.array(updated));
        poll("security-events");
        ObjectNode risk = Events.risk(Events.id(3), "RISK_RISKY_SPN", 60.0, t + 2);
        PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Risks/RisksEvents/")).willReturn(okJson(
                "{\"entities\":[" + risk + "],\"totalEntities\":1,\"page\":0,\"size\":100,\"totalPages\":1}")));
        poll("risk-events");

        List<JsonNode> files = new ArrayList<>(fileEnvelopes("security-events"));
        files.addAll(fileEnvelopes("risk-events"));
        List<JsonNode> messages = jmsMessages().stream().map(JmsMessage::envelope).toList();
        List<LoggedRequest> posts = webhookRequests();
        List<JsonNode> hooks = new ArrayList<>();
        for (LoggedRequest request : posts) {
            hooks.add(JSON.readTree(request.getBodyAsString()));
        }
        for (List<JsonNode> sink : List.of(files, messages, hooks)) {
            assertThat(sink).hasSize(4); // high, medium, the update, the risk; all go to the webhook (medium and high)
            for (JsonNode record : sink) {
                assertThat(SCHEMA.check(CLASS, record)).as(record.toString()).isEmpty();
            }
            assertThat(sink.stream().map(r -> r.at("/finding_info/uid").asText()))
                    .containsExactlyInAnyOrder(Events.id(1), Events.id(2), Events.id(1), Events.id(3));
            JsonNode update = sink.stream().filter(r -> r.at("/finding_info/modified_time").asLong() == t + 10).findFirst().orElseThrow();
            assertThat(update.path("activity_id").asInt()).isEqualTo(2);
            assertThat(update.path("status").asText()).isEqualTo("Resolved");
            assertThat(update.path("unmapped")).isEqualTo(updated);
        }
        assertThat(jmsMessages().get(0).properties()).containsKey("ptaEventId").containsKey("ptaSeverity");
        assertThat(posts.get(0).getHeader("Idempotency-Key")).endsWith("/webhook");
        assertThat(posts.get(0).getHeader("X-Pta-Event-Id")).isNotBlank();
    }

    @Test
    void afterACrashTheFileSinkFindsItsOcsfLinesAndDoesNotWriteThemTwice() throws Exception {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        long t = NOW.toEpochMilli();
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 91.0, t),
                Events.security(Events.id(2), "SuspectedCredentialsTheft", 91.0, t + 1)));
        poll("security-events");
        // A new process whose delivery state does not know the lines it wrote (as after a crash before recording them).
        restart(Map.of("pta.state.jdbc-url", "jdbc:h2:file:" + work.resolve("state-after-crash/pta-router")));
        poll("security-events");

        List<JsonNode> lines = fileEnvelopes("security-events");
        assertThat(lines).hasSize(2);
        assertThat(lines.stream().map(r -> r.at("/metadata/uid").asText()))
                .containsExactly("security-events/" + Events.id(1) + "/" + t, "security-events/" + Events.id(2) + "/" + (t + 1));
    }

    @Test
    void aRefusedEventIsParkedAsItsEnvelopeSoThatAReplayStartsFromIt() throws Exception {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(aResponse().withStatus(400)));
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 91.0, NOW.toEpochMilli())));
        poll("security-events");

        List<String> parked = new ArrayList<>();
        try (Stream<Path> files = Files.list(work.resolve("dead-letter"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("webhook-")).toList()) {
                parked.addAll(Files.readAllLines(file));
            }
        }
        assertThat(parked).hasSize(1);
        assertThat(parked.get(0)).contains("\"metadata\":{\"stream\":\"security-events\"").doesNotContain("class_uid");
        assertThat(webhookRequests()).hasSize(1);
        assertThat(webhookRequests().get(0).getBodyAsString()).contains("\"class_uid\":2004");
    }
}
