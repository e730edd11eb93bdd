package io.ptarouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole app as Camel Main runs it, with the demo profile the README's demo command uses: the
 * real routes against the built-in PTA simulator, delivering to all five sinks within 30 seconds.
 * Ports and folders are moved aside so the test does not clash with a demo a user is running.
 */
class DemoProfileTest extends CamelMainTestSupport {

    @TempDir
    static Path data;

    @Override
    protected Class<?> getMainClass() {
        return App.class;
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        // As Main with camel.main.profile=demo: the profile file first, then application.properties.
        return "classpath:application-demo.properties,file:application.properties";
    }

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        configuration.setRoutesIncludePattern("file:routes/*.camel.yaml,file:routes/demo/*.camel.yaml");
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        int simulator = freePort();
        int smtp = freePort();
        int webhook = freePort();
        int syslog = freePort();
        Properties p = new Properties();
        p.setProperty("pta.demo.simulator-port", Integer.toString(simulator));
        p.setProperty("pta.base-url", "http://127.0.0.1:" + simulator);
        p.setProperty("pta.demo.smtp-port", Integer.toString(smtp));
        p.setProperty("pta.sink.email.port", Integer.toString(smtp));
        p.setProperty("pta.demo.webhook-port", Integer.toString(webhook));
        p.setProperty("pta.sink.webhook.url", "http://127.0.0.1:" + webhook + "/pta-events");
        p.setProperty("pta.demo.syslog-port", Integer.toString(syslog));
        p.setProperty("pta.sink.syslog.port", Integer.toString(syslog));
        p.setProperty("pta.demo.directory", data.toString());
        p.setProperty("pta.sink.file.directory", data.resolve("events").toString());
        p.setProperty("pta.sink.rejected.directory", data.resolve("rejected").toString());
        p.setProperty("pta.sink.jms.embedded.data-directory", data.resolve("artemis").toString());
        p.setProperty("pta.state.jdbc-url", "jdbc:h2:file:" + data.resolve("state/pta-router"));
        p.setProperty("pta.delivery.dead-letter-directory", data.resolve("dead-letter").toString());
        configuration.withUseOverridePropertiesWithPropertiesComponent(p);
    }

    @Test
    void demoDeliversSecurityAndRiskEventsToAllFiveSinksWithinThirtySeconds() throws IOException {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(lines(data.resolve("events"), "security-events-")).as("security events file").isNotEmpty();
            assertThat(lines(data.resolve("events"), "risk-events-")).as("risk events file").isNotEmpty();
            assertThat(lines(data, "jms-received")).as("read back from the JMS queue").isNotEmpty();
            assertThat(lines(data, "webhook-received")).as("webhook receiver").isNotEmpty();
            assertThat(files(data.resolve("mail"), ".eml")).as("mail saved by the SMTP server").isNotEmpty();
            assertThat(lines(data.resolve("syslog"), "received.log")).as("CEF records at the syslog receiver").isNotEmpty();
        });
        assertThat(lines(data.resolve("syslog"), "received.log")).allSatisfy(line -> assertThat(line).contains("CEF:0|CyberArk|PTA|"));
        assertThat(lines(data.resolve("events"), "security-events-"))
                .allSatisfy(line -> assertThat(line).contains("\"metadata\":{\"stream\":\"security-events\""));
        assertThat(context.getRouteController().getRouteStatus("pta-poll-security-events").isStarted()).isTrue();
        // What the demo wrote is its user's only, as the app's own data is (pta.files.mode, pta.files.directory-mode).
        for (Path file : List.of(files(data.resolve("events"), ".ndjson").get(0), files(data, "jms-received").get(0),
                files(data.resolve("mail"), ".eml").get(0))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as("%s", file).isEqualTo("rw-------");
        }
        for (Path folder : List.of(data.resolve("events"), data.resolve("state"), data.resolve("artemis"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).as("%s", folder).isEqualTo("rwx------");
        }
    }

    private static List<String> lines(Path folder, String prefix) throws IOException {
        return files(folder, prefix).stream().flatMap(f -> {
            try {
                return Files.readAllLines(f).stream().filter(l -> !l.isBlank());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static List<Path> files(Path folder, String namePart) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(f -> f.getFileName().toString().contains(namePart)).toList();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
