package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.badRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;

/** A dead-letter file moved into replay/ goes to its sink again once the cause is fixed, then to replayed/. */
class DeadLetterReplayTest extends ReliabilityTestSupport {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private final long t = NOW.toEpochMilli();

    @BeforeEach
    void twoEventsTheWebhookRefuses() throws Exception {
        stubLogon(TOKEN);
        webhookAnswers(badRequest());
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1)));
        // A later poll parks what a lost failure report left owed (see DeadLetterTest's intermittent case).
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            poll(STREAM);
            assertThat(deadLetters("webhook")).hasSize(2);
        });
        webhookWorks();
    }

    @Test
    void aReplayedFileReachesTheFixedWebhookAndMovesToReplayed() throws Exception {
        Path parked = deadLetterFile();
        Files.createDirectories(work.resolve("dead-letter/replay"));
        Files.copy(parked, work.resolve("dead-letter/replay").resolve(parked.getFileName()));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(webhookKeysAccepted()).containsExactlyInAnyOrder(key(1, t), key(2, t + 1));
            assertThat(filesIn("dead-letter/replayed")).hasSize(1);
        });
        assertThat(filesIn("dead-letter/replay")).isEmpty();
        assertThat(deadLetters("webhook")).as("nothing parked again").hasSize(2);
    }

    @Test
    void aMalformedLineIsSkippedWithAnErrorAndTheOtherLinesAreReplayed() throws Exception {
        List<String> records = Files.readAllLines(deadLetterFile());
        Files.createDirectories(work.resolve("dead-letter/replay"));
        Files.write(work.resolve("dead-letter/replay/mixed.ndjson"),
                List.of(records.get(0), "{\"this is\": \"not a dead-letter record\"", records.get(1)));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(webhookKeysAccepted()).containsExactlyInAnyOrder(key(1, t), key(2, t + 1));
            assertThat(filesIn("dead-letter/replayed")).hasSize(1);
        });
        assertThat(logs.text()).contains("line 1 of mixed.ndjson was not replayed");
    }

    private Path deadLetterFile() {
        return work.resolve("dead-letter/webhook-2026-11-21.ndjson");
    }

    private List<Path> filesIn(String folder) throws Exception {
        Path dir = work.resolve(folder);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
