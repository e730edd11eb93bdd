package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;

/**
 * An events folder that cannot be created for a while (a regular file stands where it should be;
 * the tests run as root, so permissions would not stop them): the other sinks get every event, the
 * watermark waits, and once the folder can be created the file gets each owed event in one line.
 */
class FileOutageTest extends ReliabilityTestSupport {

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.breaker.minimum-calls", "2", "pta.sink.breaker.failure-rate", "50",
                "pta.sink.breaker.open-for", "300ms");
    }

    @Test
    void aFolderThatCannotBeCreatedGetsEveryOwedEventOnceWhenItCanBe() throws Exception {
        Path blocker = Files.writeString(work.resolve("events"), "not a folder");
        long t = NOW.toEpochMilli();
        List<String> keys = List.of(key(1, t), key(2, t + 1), key(3, t + 2));
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1), high(3, t + 2)));

        poll(STREAM);

        assertThat(jmsKeys()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(webhookKeysAccepted()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(mailIds()).hasSize(3);
                assertThat(watermarks().get(STREAM)).as("below the oldest event the file owes").hasValue(t - 1);

        Files.delete(blocker);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            poll(STREAM);
            assertThat(fileKeys()).containsExactlyInAnyOrderElementsOf(keys);
        });
        poll(STREAM);

        List<String> lines = Files.readAllLines(work.resolve("events/security-events-2026-11-21.ndjson"));
        assertThat(lines).hasSize(3);
        for (String line : lines) {
            JSON.readTree(line);
        }
        assertEachSinkHoldsOnce(keys);
        assertThat(watermarks().get(STREAM)).hasValue(t + 2);
    }
}
