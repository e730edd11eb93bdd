package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jakarta.mail.internet.MimeMessage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * What each sink received, as delivery keys ({@code stream/id/version}), so a test can say "every
 * event once, nothing twice" per sink.
 */
abstract class ReliabilityTestSupport extends RouterTestSupport {

    static final String STREAM = "security-events";

    /** A high event of a type that goes to all four sinks. */
    static ObjectNode high(int n, long lastUpdateTime) {
        return Events.security(Events.id(n), "SuspectedCredentialsTheft", 90.0, lastUpdateTime);
    }

    static String key(int n, long version) {
        return STREAM + "/" + Events.id(n) + "/" + version;
    }

    static void webhookAnswers(ResponseDefinitionBuilder answer) {
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(answer));
    }

    static void webhookWorks() {
        webhookAnswers(ok());
    }

    List<String> fileKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        for (JsonNode envelope : fileEnvelopes(STREAM)) {
            JsonNode metadata = envelope.path("metadata");
            keys.add(metadata.path("stream").asText() + "/" + metadata.path("id").asText() + "/"
                     + metadata.path("version").asText());
        }
        return keys;
    }

    List<String> jmsKeys() throws Exception {
        return jmsMessages().stream()
                .map(m -> m.properties().get("ptaStream") + "/" + m.properties().get("ptaEventId") + "/"
                          + m.properties().get("ptaVersion"))
                .toList();
    }

    /** The Idempotency-Key of each webhook call that the receiver answered 2xx, less its "/webhook". */
    List<String> webhookKeysAccepted() {
        return WEBHOOK.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith("/hooks/pta"))
                .filter(e -> e.getResponse().getStatus() / 100 == 2 && e.getResponse().getFault() == null)
                .map(e -> e.getRequest().getHeader("Idempotency-Key").replaceFirst("/webhook$", ""))
                .toList();
    }

    List<String> mailIds() throws Exception {
        List<String> ids = new ArrayList<>();
        for (MimeMessage mail : mails()) {
            ids.add(mail.getMessageID());
        }
        return ids;
    }

    /** Each sink holds exactly these versions, each once. */
    void assertEachSinkHoldsOnce(List<String> keys) throws Exception {
        assertThat(fileKeys()).as("file lines").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(jmsKeys()).as("JMS messages").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(webhookKeysAccepted()).as("webhook calls accepted").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(mailIds()).as("mails").containsExactlyInAnyOrderElementsOf(
                keys.stream().map(io.ptarouter.sink.EmailComposer::messageId).toList());
    }

    /** The dead-letter records parked for this sink, in the order of their files and lines. */
    List<JsonNode> deadLetters(String sink) throws Exception {
        Path folder = work.resolve("dead-letter");
        List<JsonNode> records = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return records;
        }
        try (var files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(sink + "-")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    records.add(JSON.readTree(line));
                }
            }
        }
        return records;
    }
}
