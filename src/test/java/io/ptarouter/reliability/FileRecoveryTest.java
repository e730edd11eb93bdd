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
        pollAfterACrashThatLeftEvent1AndATornLineIn(today);

        List<String> lines = Files.readAllLines(today);
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            JSON.readTree(line);
        }
        assertThat(fileKeys()).containsExactly(key(1, t), key(2, t + 1));
        assertThat(Files.readString(today)).endsWith("}\n");
        assertThat(jmsKeys()).as("the other sinks had no record of it either").containsExactlyInAnyOrder(key(1, t), key(2, t + 1));
    }

    /** The run before stopped before midnight (UTC): what it wrote is in yesterday's file, which this run also checks. */
    @Test
    void aLineWrittenBeforeMidnightByARunThatStoppedIsNotWrittenAgainAfterIt() throws Exception {
        long t = NOW.toEpochMilli();
        Path yesterday = work.resolve("events/security-events-2026-11-20.ndjson");
        Path today = work.resolve("events/security-events-2026-11-21.ndjson");
        String written = pollAfterACrashThatLeftEvent1AndATornLineIn(yesterday);

        assertThat(Files.readString(yesterday)).as("its torn line cut, its whole line kept").isEqualTo(written);
        List<String> lines = Files.readAllLines(today);
        assertThat(lines).hasSize(1);
        assertThat(JSON.readTree(lines.get(0)).path("metadata").path("id").asText()).isEqualTo(Events.id(2));
        assertThat(fileKeys()).containsExactly(key(1, t), key(2, t + 1));
        assertThat(jmsKeys()).containsExactlyInAnyOrder(key(1, t), key(2, t + 1));
    }

    /**
     * A file this process wrote is never cut when the day turns: a poll crossing midnight may still have its last
     * lines in the writer's buffer, so the file's end is not a torn line left by a crash.
     */
    @Test
    void theDayBeforesFileThisRunWroteItselfIsLeftAsItIsAfterMidnight() throws Exception {
        long t = NOW.toEpochMilli();
        Path yesterday = work.resolve("events/security-events-2026-11-21.ndjson");
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t)));
        poll(STREAM);
        // As a line of this run's that is still in the writer's buffer would look from outside.
        Files.writeString(yesterday, "{\"metadata\":{\"stream\":\"security-ev", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        String before = Files.readString(yesterday);

        clock.advance(java.time.Duration.ofHours(14)); // 2026-11-22T00:00Z
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1)));
        poll(STREAM);

        assertThat(Files.readString(yesterday)).isEqualTo(before);
        List<String> today = Files.readAllLines(work.resolve("events/security-events-2026-11-22.ndjson"));
        assertThat(today).hasSize(1);
        assertThat(JSON.readTree(today.get(0)).path("metadata").path("id").asText()).isEqualTo(Events.id(2));
    }

    /**
     * A run that crashed after the fsync of event 1's line and before recording it, in the middle of the next line;
     * then a poll that reads events 1 and 2. Returns event 1's line.
     */
    private String pollAfterACrashThatLeftEvent1AndATornLineIn(Path file) throws Exception {
        long t = NOW.toEpochMilli();
        Files.createDirectories(file.getParent());
        String written = "{\"metadata\":{\"stream\":\"security-events\",\"id\":\"" + Events.id(1) + "\",\"version\":" + t
                         + ",\"update\":false},\"event\":" + high(1, t) + "}\n";
        Files.writeString(file, written + "{\"metadata\":{\"stream\":\"security-ev", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE_NEW);
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1)));
        poll(STREAM);
        return written;
    }
}
