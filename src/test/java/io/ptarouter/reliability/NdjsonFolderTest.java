package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NdjsonFolderTest {

    private static final String A = "{\"metadata\":{\"stream\":\"security-events\",\"id\":\"a\",\"version\":1},\"event\":{}}";
    private static final String B = "{\"metadata\":{\"stream\":\"security-events\",\"id\":\"b\",\"version\":2},\"event\":{}}";

    @TempDir
    Path folder;

    @Test
    void completeLinesAreTalliedAsTheyAreAppended() throws Exception {
        NdjsonFolder files = new NdjsonFolder(folder);
        Path file = folder.resolve("security-events-2026-11-21.ndjson");
        Files.writeString(file, A + "\n" + B.substring(0, 20), StandardCharsets.UTF_8);

        assertThat(files.lines().keys()).containsExactly("security-events/a/1");
        assertThat(files.unterminatedBytes()).isEqualTo(20);

        Files.writeString(file, B.substring(20) + "\n" + A + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        assertThat(files.lines().keys()).containsExactlyInAnyOrder("security-events/a/1", "security-events/b/2");
        assertThat(files.lines().resends()).isEqualTo(1);
        assertThat(files.unterminatedBytes()).isZero();
    }

    @Test
    void aTornLineGluedToTheNextOneIsUnreadableAndDeliversNeither() throws Exception {
        NdjsonFolder files = new NdjsonFolder(folder);
        Files.writeString(folder.resolve("security-events-2026-11-21.ndjson"),
                A.substring(0, A.length() - 1) + B + "\n" + A + B + "\n", StandardCharsets.UTF_8);

        assertThat(files.lines().keys()).isEmpty();
        assertThat(files.lines().unreadable()).isEqualTo(2);
        assertThat(files.unreadableSamples()).hasSize(2);
    }
}
