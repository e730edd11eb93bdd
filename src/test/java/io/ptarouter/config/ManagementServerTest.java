package io.ptarouter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.reliability.AppProcess;

/**
 * The app as {@code java io.ptarouter.App} runs it, configured only through environment variables as the README
 * recommends: health and metrics listen on loopback at the port {@code CAMEL_MANAGEMENT_PORT} names, a
 * {@code PTA_*} variable takes effect as well, and a port another process holds stops start-up in one line.
 */
class ManagementServerTest {

    private static final Pattern FAILED_POLLS =
            Pattern.compile("pta_polls_total\\{result=\"failed\",stream=\"security-events\"} (\\d+)");

    @TempDir
    Path data;

    private AppProcess app;

    @AfterEach
    void stop() {
        if (app != null && app.isAlive()) {
            app.kill();
        }
    }

    @Test
    void healthAndMetricsListenOnLoopbackAtThePortFromTheEnvironmentAndPtaVariablesTakeEffect() throws Exception {
        int port = freePort();
        Map<String, String> environment = environment(port);
        // Every second instead of the default once a minute; against a PVWA port nobody listens on, each poll fails.
        environment.put("PTA_SECURITY_EVENTS_CRON", "* * * * * ?");
        app = start(environment);

        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .ignoreException(ConnectException.class).untilAsserted(() -> {
            app.requireAlive("starting");
            // liveness: readiness goes DOWN as soon as the polls of this PVWA-less app keep failing
            assertThat(get(http, "http://127.0.0.1:" + port + "/observe/health/live")).contains("\"status\":\"UP\"");
        });
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(failedPolls(get(http, "http://127.0.0.1:" + port + "/observe/metrics")))
                        .as("security-events polls within seconds: the cron came from PTA_SECURITY_EVENTS_CRON")
                        .isGreaterThanOrEqualTo(3));

        Optional<InetAddress> external = nonLoopbackAddress();
        if (external.isPresent()) {
            assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress(external.get(), port), 2000))
                    .as("nothing listens on %s:%d", external.get().getHostAddress(), port)
                    .isInstanceOf(ConnectException.class);
        }
        String log = Files.readString(app.log(), StandardCharsets.UTF_8);
        assertThat(log).contains("Camel settings from environment variables: camel.management.port (CAMEL_MANAGEMENT_PORT)")
                .contains("Vert.x HttpServer started on 127.0.0.1:" + port)
                .contains("health and metrics at http://127.0.0.1:" + port + "/observe/health and /observe/metrics")
                .contains("cron=* * * * * ?");

        app.terminate();
        app.awaitExit(Duration.ofSeconds(60), "after SIGTERM");
    }

    @Test
    void aPortAnotherProcessHoldsStopsStartUpWithOneErrorLineNamingThePortAndTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            app = start(environment(port));

            app.awaitExit(Duration.ofSeconds(90), "with the management port taken");

            assertThat(app.exitCode()).isNotZero();
            List<String> lines = Files.readAllLines(app.log(), StandardCharsets.UTF_8);
            assertThat(lines.stream().filter(line -> line.contains(" ERROR ")).toList()).singleElement()
                    .satisfies(line -> assertThat(line).contains("pta-router did not start")
                            .contains("camel.management.port").contains("127.0.0.1:" + port).contains("in use"));
            assertThat(lines).as("no stack trace, no URLs that do not work")
                    .noneMatch(line -> line.startsWith("\tat ") || line.contains("Unhandled exception")
                                       || line.contains("/observe/health") || line.contains("Routes startup"));
        }
    }

    /** The app's settings for a run in {@link #data}, all through environment variables. */
    private Map<String, String> environment(int managementPort) throws IOException {
        Map<String, String> environment = new HashMap<>();
        environment.put("CAMEL_MANAGEMENT_PORT", Integer.toString(managementPort));
        environment.put("PTA_BASE_URL", "https://127.0.0.1:" + freePort());
        environment.put("PTA_AUTH_PASSWORD", "not-used-by-this-test");
        environment.put("PTA_HTTP_MAX_RETRIES", "0");
        environment.put("PTA_RISK_EVENTS_ENABLED", "false");
        environment.put("PTA_STATE_JDBC_URL", "jdbc:h2:file:" + data.resolve("state/pta-router"));
        environment.put("PTA_SINK_FILE_DIRECTORY", data.resolve("events").toString());
        environment.put("PTA_SINK_REJECTED_DIRECTORY", data.resolve("rejected").toString());
        environment.put("PTA_SINK_JMS_EMBEDDED_DATA_DIRECTORY", data.resolve("artemis").toString());
        environment.put("PTA_DELIVERY_DEAD_LETTER_DIRECTORY", data.resolve("dead-letter").toString());
        return environment;
    }

    /**
     * From the project folder, as the README runs it: application.properties and routes/ are read from there. The
     * app's own logging configuration, not the tests' quieter one, so the log is the one a user sees.
     */
    private AppProcess start(Map<String, String> environment) {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dlog4j2.configurationFile=" + Path.of("src/main/resources/log4j2.properties").toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), "io.ptarouter.App");
        return AppProcess.start(command, Path.of("").toAbsolutePath(), data.resolve("app.log"), environment, "PTA_", "CAMEL_");
    }

    private static long failedPolls(String metrics) {
        Matcher m = FAILED_POLLS.matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static String get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** An address of this machine other than loopback, to show nothing listens there. */
    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (network.isUp() && !network.isLoopback()) {
                Optional<InetAddress> address = network.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst();
                if (address.isPresent()) {
                    return address;
                }
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
