package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;

/**
 * A crash between the fsync of the events file and the commit of the delivery state leaves a line
 * the state does not know about, and perhaps a torn line: the next run writes neither again.
 */
class FileRecoveryTest extends ReliabilityTestSupport {

    @Test
    void aLineWrittenButNeverRecordedIsNotWrittenAgainAndATornLineIsCut() throws Exception {
        long t = NOW.toEpochMilli();
        Path today = work.resolve("events/security-events-2026-11-21.ndjson");
        Files.createDirectories(today.getParent());
        String written = "{\"metadata\":{\"stream\":\"security-events\",\"id\":\"" + Events.id(1) + "\",\"version\":" + t
                         + ",\"update\":false},\"event\":" + high(1, t) + "}\n";
        Files.writeString(today, written + "{\"metadata\":{\"stream\":\"security-ev", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE_NEW);
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1)));

        poll(STREAM);

        List<String> lines = Files.readAllLines(today);
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            JSON.readTree(line);
        }
        assertThat(fileKeys()).containsExactly(key(1, t), key(2, t + 1));
        assertThat(Files.readString(today)).endsWith("}\n");
        assertThat(jmsKeys()).as("the other sinks had no record of it either").containsExactlyInAnyOrder(key(1, t), key(2, t + 1));
    }
}
