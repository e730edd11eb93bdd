package io.ptarouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's demo command, for real: the packaged fat jar started as its own JVM with the demo
 * profile, from the project folder (so it reads application.properties and routes/ from disk).
 * Ports and output folders are moved aside with -D so a running demo is not disturbed. And the same jar run from
 * an empty folder, with what is packaged in it.
 */
class DemoJarIT {

    @TempDir
    Path data;

    private Process app;

    @AfterEach
    void kill() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void theDemoJarDeliversToAllSinksAndShutsDownCleanlyOnSigterm() throws Exception {
        Path log = data.resolve("app.log");
        int simulator = freePort();
        int smtp = freePort();
        int webhook = freePort();
        int syslog = freePort();
        int management = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcamel.main.profile=demo",
                "-Dpta.demo.simulator-port=" + simulator,
                "-Dpta.base-url=http://127.0.0.1:" + simulator,
                "-Dpta.demo.smtp-port=" + smtp,
                "-Dpta.sink.email.port=" + smtp,
                "-Dpta.demo.webhook-port=" + webhook,
                "-Dpta.sink.webhook.url=http://127.0.0.1:" + webhook + "/pta-events",
                "-Dpta.demo.syslog-port=" + syslog,
                "-Dpta.sink.syslog.port=" + syslog,
                "-Dpta.demo.directory=" + data,
                "-Dpta.sink.file.directory=" + data.resolve("events"),
                "-Dpta.sink.rejected.directory=" + data.resolve("rejected"),
                "-Dpta.sink.jms.embedded.data-directory=" + data.resolve("artemis"),
                "-Dpta.state.jdbc-url=jdbc:h2:file:" + data.resolve("state/pta-router"),
                "-Dpta.delivery.dead-letter-directory=" + data.resolve("dead-letter"),
                "-Dcamel.management.port=" + management,
                "-jar", Path.of("target", "pta-router.jar").toString()));
        app = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(app.isAlive()).as("the app is running; its log:%n%s", read(log)).isTrue();
            assertThat(nonEmptyFiles(data.resolve("events"), "security-events-")).as("events written; the app log:%n%s", read(log)).isNotEmpty();
            assertThat(nonEmptyFiles(data, "jms-received")).isNotEmpty();
            assertThat(nonEmptyFiles(data, "webhook-received")).isNotEmpty();
            assertThat(nonEmptyFiles(data.resolve("mail"), ".eml")).isNotEmpty();
            assertThat(nonEmptyFiles(data.resolve("syslog"), "received.log")).isNotEmpty();
        });
        assertThat(Files.readAllLines(data.resolve("syslog/received.log")).get(0)).as("a CEF record in PTA's format")
                .containsPattern("CEF:0\\|CyberArk\\|PTA\\|[^|]+\\|\\d+\\|[^|]+\\|([1-9]|10)\\|.*cs2Label=EventID cs2=\\S+");

        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                get(http, "http://127.0.0.1:" + management + "/observe/metrics"))
                .contains("pta_events_total{outcome=\"new\",stream=\"security-events\"}")
                .contains("pta_polls_total{result=\"ok\",stream=\"security-events\"}"));
        assertThat(get(http, "http://127.0.0.1:" + management + "/observe/health")).contains("UP");

        app.destroy(); // SIGTERM, as a service manager stops it
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("stops within the shutdown timeout").isTrue();
        String output = read(log);
        assertThat(output).contains("PVWA logoff of 'pta-reader' answered 200");
        assertThat(output).contains("shutdown");
        assertThat(output).doesNotContain("demo-password");
    }

    @Test
    void fromAnEmptyFolderTheJarRunsWithTheRoutesSettingsAndTemplatesPackagedInIt(@TempDir Path empty) throws Exception {
        // "java -jar pta-router.jar" (README, docs/running.md) run from anywhere: no routes/, templates/ or
        // application.properties here.
        Path log = data.resolve("app.log");
        int simulator = freePort();
        int smtp = freePort();
        int webhook = freePort();
        int syslog = freePort();
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcamel.main.profile=demo",
                "-Dpta.demo.simulator-port=" + simulator,
                "-Dpta.base-url=http://127.0.0.1:" + simulator,
                "-Dpta.demo.smtp-port=" + smtp,
                "-Dpta.sink.email.port=" + smtp,
                "-Dpta.demo.webhook-port=" + webhook,
                "-Dpta.sink.webhook.url=http://127.0.0.1:" + webhook + "/pta-events",
                "-Dpta.demo.syslog-port=" + syslog,
                "-Dpta.sink.syslog.port=" + syslog,
                "-Dcamel.management.port=" + freePort(),
                "-jar", Path.of("target", "pta-router.jar").toAbsolutePath().toString());
        app = new ProcessBuilder(command).directory(empty.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(app.isAlive()).as("the app is running; its log:%n%s", read(log)).isTrue();
            assertThat(read(log)).containsPattern("polled \\d+ security-events");
            assertThat(nonEmptyFiles(empty.resolve("data/demo/events"), "security-events-")).isNotEmpty();
        });
        assertThat(read(log))
                .contains("settings: the application.properties packaged in the jar (there is none in " + empty.toRealPath())
                .contains("routes: routes/*.camel.yaml packaged in the jar")
                .contains("routes: routes/demo/*.camel.yaml packaged in the jar")
                .doesNotContain("did not start");
    }

    private static String get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private static List<Path> nonEmptyFiles(Path folder, String namePart) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().contains(namePart))
                    .filter(f -> f.toFile().length() > 0).toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
