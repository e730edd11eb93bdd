package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.badRequest;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;

/**
 * The detections, the rejected events, the dead letters, the delivery state and the broker's journal are the
 * owner's only: another local user can neither list their folders nor read their files. The modes are settings.
 */
class DataFilePermissionsTest extends ReliabilityTestSupport {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final long t = NOW.toEpochMilli();

    @Override
    protected Map<String, String> settings() {
        if (getCurrentTestName().contains("GroupReadable")) {
            return Map.of("pta.files.mode", "640", "pta.files.directory-mode", "750");
        }
        if (getCurrentTestName().contains("OpenToAll")) {
            return Map.of("pta.files.mode", "644", "pta.files.directory-mode", "755");
        }
        return Map.of();
    }

    @BeforeEach
    void pvwa() {
        stubLogon(TOKEN);
    }

    @Test
    void everyFileAndFolderAPollWritesIsTheOwnersOnlyByDefault() throws Exception {
        pollWritingEveryKindOfFile();

        for (String folder : List.of("events", "rejected", "dead-letter", "state", "artemis")) {
            assertThat(mode(work.resolve(folder))).as("folder %s", folder).isEqualTo("rwx------");
        }
        assertThat(modes(work.resolve("events"))).as("event files").containsOnly("rw-------");
        assertThat(modes(work.resolve("rejected"))).as("rejected events").containsOnly("rw-------");
        assertThat(modes(work.resolve("dead-letter"))).as("dead letters").containsOnly("rw-------");
        assertThat(mode(work.resolve("state/pta-router.mv.db"))).as("the state database").isEqualTo("rw-------");
    }

    @Test
    void theModesAreSettingsForExampleGroupReadableForALogShipper() throws Exception {
        pollWritingEveryKindOfFile();

        for (String folder : List.of("events", "rejected", "dead-letter", "state", "artemis")) {
            assertThat(mode(work.resolve(folder))).as("folder %s", folder).isEqualTo("rwxr-x---");
        }
        assertThat(modes(work.resolve("events"))).containsOnly("rw-r-----");
        assertThat(modes(work.resolve("rejected"))).containsOnly("rw-r-----");
        assertThat(modes(work.resolve("dead-letter"))).containsOnly("rw-r-----");
        assertThat(mode(work.resolve("state/pta-router.mv.db"))).isEqualTo("rw-r-----");
    }

    @Test
    void ownerOnlyIsTurnedOffByModesOpenToAllLikeBefore() throws Exception {
        pollWritingEveryKindOfFile();

        for (String folder : List.of("events", "rejected", "dead-letter", "state", "artemis")) {
            assertThat(mode(work.resolve(folder))).as("folder %s", folder).isEqualTo("rwxr-xr-x");
        }
        assertThat(modes(work.resolve("events"))).containsOnly("rw-r--r--");
        assertThat(modes(work.resolve("rejected"))).containsOnly("rw-r--r--");
        assertThat(modes(work.resolve("dead-letter"))).containsOnly("rw-r--r--");
        assertThat(mode(work.resolve("state/pta-router.mv.db"))).isEqualTo("rw-r--r--");
    }

    @Test
    void aFolderAnEarlierReleaseLeftOpenIsClosedAtTheNextStartAndTheLogSaysSo() throws Exception {
        pollWritingEveryKindOfFile();
        context.stop();
        Files.setPosixFilePermissions(work.resolve("events"), PosixFilePermissions.fromString("rwxr-xr-x"));

        restart(Map.of());

        assertThat(mode(work.resolve("events"))).isEqualTo("rwx------");
        assertThat(log.text().lines()).anySatisfy(line -> assertThat(line).startsWith("WARN")
                .contains(work.resolve("events").toString()).contains("rwxr-xr-x").contains("rwx------")
                .contains("pta.files.directory-mode"));
    }

    /** One event delivered to every sink (the webhook refuses it for good: a dead letter) and one rejected. */
    private void pollWritingEveryKindOfFile() throws Exception {
        webhookAnswers(badRequest());
        ObjectNode noId = high(2, t);
        noId.remove("id");
        stubSecurityEvents(Events.array(high(1, t), noId));

        poll(STREAM);

        assertThat(fileKeys()).containsExactly(key(1, t));
        assertThat(deadLetters("webhook")).hasSize(1);
        assertThat(files(work.resolve("rejected"))).hasSize(1);
        assertThat(work.resolve("state/pta-router.mv.db")).exists();
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static List<String> modes(Path folder) throws IOException {
        List<Path> files = files(folder);
        assertThat(files).as("files in %s", folder).isNotEmpty();
        List<String> modes = new ArrayList<>();
        for (Path file : files) {
            modes.add(mode(file));
        }
        return modes;
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(Files::isRegularFile).toList();
        }
    }
}
