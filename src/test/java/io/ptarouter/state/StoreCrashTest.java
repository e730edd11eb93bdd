package io.ptarouter.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The H2 store survives {@code kill -9}: a child process commits batches in a loop and is killed
 * at random points; each time the store opens again, holds every batch whose commit had returned,
 * and holds every batch either whole or not at all, with the watermark on the last whole one.
 */
class StoreCrashTest {

    private static final int KILLS = 5;

    @TempDir
    Path folder;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyCommitThatReturnedOutlivesAKillAndNoneIsHalfThere() throws Exception {
        String url = "jdbc:h2:file:" + folder.resolve("state").resolve("delivery");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long lastReported = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            Child child = Child.start(url);
            try {
                int commits = 1 + random.nextInt(40);
                for (int i = 0; i < commits; i++) {
                    lastReported = child.nextCommit();
                }
            } finally {
                child.kill();
            }

            try (JdbcDeliveryStore store = JdbcDeliveryStore.open(url, "", "")) {
                String round = "kill " + kill + " (seed " + seed + ")";
                long watermark = store.get(StoreCrashChild.STREAM).orElse(0);
                assertThat(watermark).as(round + ": the watermark against the last commit reported")
                        .isGreaterThanOrEqualTo(lastReported);
                Map<Long, Long> rowsPerBatch = store.deliveredSince(StoreCrashChild.STREAM, 0).entrySet().stream()
                        .collect(Collectors.groupingBy(delivery -> StoreCrashChild.batchOf(delivery.getKey()),
                                Collectors.summingLong(delivery -> delivery.getValue().sinks().size())));
                assertThat(rowsPerBatch.keySet()).as(round + ": the batches there, up to the watermark")
                        .containsExactlyInAnyOrderElementsOf(batches(watermark));
                assertThat(rowsPerBatch.values()).as(round + ": rows per batch")
                        .allMatch(rows -> rows == StoreCrashChild.BATCH);
            }
        }
    }

    private static List<Long> batches(long upTo) {
        List<Long> batches = new ArrayList<>();
        for (long n = 1; n <= upTo; n++) {
            batches.add(n);
        }
        return batches;
    }

    /** The child JVM, and the lines it prints as they come. */
    private record Child(Process process, BlockingQueue<String> lines, List<String> seen) {

        static Child start(String url) throws IOException {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    StoreCrashChild.class.getName(), url).redirectErrorStream(true).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    out.lines().forEach(lines::add);
                } catch (IOException | UncheckedIOException e) {
                    // The child was killed while we read: its output ends here.
                }
            }, "store-crash-child-output");
            reader.setDaemon(true);
            reader.start();
            return new Child(process, lines, new ArrayList<>());
        }

        /** Waits for the next "committed n" line and returns n. */
        long nextCommit() throws InterruptedException {
            while (true) {
                String line = lines.poll(20, TimeUnit.SECONDS);
                if (line == null) {
                    fail("the child reported no commit within 20 s; it printed:%n%s", String.join("\n", seen));
                }
                seen.add(line);
                if (line.startsWith("committed ")) {
                    return Long.parseLong(line.substring("committed ".length()));
                }
            }
        }

        /** SIGKILL on Linux: no shutdown hook, no close, whatever the child was doing. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("the child is gone").isTrue();
        }
    }
}
