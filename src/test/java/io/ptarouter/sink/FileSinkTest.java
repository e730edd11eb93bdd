package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/** The file sink: one NDJSON line per event, one file per stream and UTC day, appended across polls. */
class FileSinkTest {

    @Nested
    class Writable extends RouterTestSupport {

        @Test
        void eachPollAppendsCompleteLinesToTheStreamsFileOfTheDay() throws Exception {
            stubLogon(TOKEN);
            long t = NOW.toEpochMilli();
            stubSecurityEvents(Events.array(Events.security(Events.id(1), "PSMSuspiciousActivity", 10.0, t),
                    Events.security(Events.id(2), "PSMSuspiciousActivity", 10.0, t + 1)));
            poll("security-events");
            stubSecurityEvents(Events.array(Events.security(Events.id(3), "PSMSuspiciousActivity", 10.0, t + 2)));
            poll("security-events");

            Path today = work.resolve("events").resolve("security-events-2026-11-21.ndjson");
            List<String> lines = Files.readAllLines(today);
            assertThat(lines).hasSize(3);
            for (String line : lines) {
                assertThat(JSON.readTree(line).path("metadata").path("stream").asText()).isEqualTo("security-events");
            }
            assertThat(Files.readString(today)).endsWith("}\n");
        }

        @Test
        void theEnvelopeCarriesTheEventAsPtaSentItAndAPrettyPrintedOneOnOneLine() throws Exception {
            stubLogon(TOKEN);
            long t = NOW.toEpochMilli();
            // As sent: a score written 90.50, a name beyond ASCII; the second event spread over several lines.
            String compact = Events.security(Events.id(1), "SuspectedCredentialsTheft", 90.0, t).toString()
                    .replace("90.0", "90.50").replace("}", ",\"note\":\"Zoë\"}");
            String pretty = Events.security(Events.id(2), "SuspectedCredentialsTheft", 90.0, t + 1).toPrettyString();
            stubSecurityEvents("[" + compact + ",\n" + pretty + "]");
            poll("security-events");

            List<String> lines = Files.readAllLines(work.resolve("events").resolve("security-events-2026-11-21.ndjson"));
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).endsWith(",\"event\":" + compact + "}");
            assertThat(JSON.readTree(lines.get(1)).path("event")).isEqualTo(JSON.readTree(pretty));
        }

        @Test
        void aNewUtcDayStartsANewFile() throws Exception {
            stubLogon(TOKEN);
            long t = NOW.toEpochMilli();
            stubSecurityEvents(Events.array(Events.security(Events.id(1), "PSMSuspiciousActivity", 10.0, t)));
            poll("security-events");
            clock.advance(Duration.ofDays(1));
            stubSecurityEvents(Events.array(Events.security(Events.id(2), "PSMSuspiciousActivity", 10.0, t + 1)));
            poll("security-events");

            assertThat(Files.readAllLines(work.resolve("events/security-events-2026-11-21.ndjson"))).hasSize(1);
            assertThat(Files.readAllLines(work.resolve("events/security-events-2026-11-22.ndjson"))).hasSize(1);
        }
    }

    @Nested
    class NotWritable extends RouterTestSupport {

        @Override
        protected Map<String, String> settings() {
            // A regular file where the folder should be: no folder can be created there, even as root.
            return Map.of("pta.sink.file.directory", work.resolve("blocker").resolve("events").toString());
        }

        @Test
        void aFolderThatCannotBeWrittenIsReportedAndTheOtherSinksStillDeliver() throws Exception {
            Files.writeString(work.resolve("blocker"), "not a folder");
            stubLogon(TOKEN);
            stubSecurityEvents(Events.array(
                    Events.security(Events.id(1), "SuspectedCredentialsTheft", 90.0, NOW.toEpochMilli())));

            poll("security-events");

            List<JsonNode> envelopes = fileEnvelopes("security-events");
            assertThat(envelopes).isEmpty();
            assertThat(jmsMessages()).hasSize(1);
            assertThat(mails()).hasSize(1);
        }
    }
}
