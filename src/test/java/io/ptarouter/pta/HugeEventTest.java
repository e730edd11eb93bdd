package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.ptarouter.testing.Events;

/**
 * One event with a 200 MB string ran a 256 MB pta-router out of memory on every poll, the error
 * escaped the poll's report and a stuck exchange held up the shutdown. Here pta-router runs as its
 * own JVM with {@code -Xmx256m}, as it is meant to run, against a fake PVWA that generates the
 * huge event as it sends it (the test JVM never holds it): sent plain, it is rejected with its id
 * and size and the events around it are delivered; sent as 200 KB of gzip that expands to it, the
 * same; with the 200 MB string in a field pta-router reads, the same. No
 * poll runs out of memory, the next polls run, and SIGTERM stops the app at once.
 */
class HugeEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_795_254_000_000L;
    private static final long HUGE = 200L << 20;
    private static final String E1 = Events.security(Events.id(1), "VaultViaIrregularIp", 50.0, T0).toString();
    private static final String E3 = Events.security(Events.id(3), "VaultViaIrregularIp", 50.0, T0 + 2).toString();
    /** The huge events around their 200 MB of 'x'. */
    private static final String PLAIN_HEAD = "{\"id\":\"big-plain\",\"type\":\"VaultViaIrregularIp\",\"lastUpdateTime\":"
            + (T0 + 1) + ",\"details\":\"";
    private static final String GZIP_HEAD = PLAIN_HEAD.replace("big-plain", "big-gzip");
    private static final String TYPE_HEAD = "{\"id\":\"big-type\",\"lastUpdateTime\":" + (T0 + 1) + ",\"type\":\"";
    private static final String TAIL = "\"}";

    @TempDir
    Path work;

    private HttpServer pvwa;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger eventCalls = new AtomicInteger();
    private Process app;

    @AfterEach
    void stop() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
        if (pvwa != null) {
            pvwa.stop(0);
        }
        threads.shutdownNow();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aHugeEventIsRejectedWithItsIdAndSizeInA256MbJvmAndThePollsGoOn() throws Exception {
        startPvwa();
        Path log = work.resolve("app.log");
        app = startApp(log);

        await("two polls with a huge event, one with a huge type, then a normal one").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> !app.isAlive() || eventCalls.get() >= 4 && logText(log).contains("polled 2 security-events"));
        assertThat(app.isAlive()).as("the app is running; its log:%n%s", tail(log)).isTrue();

        String text = logText(log);
        assertThat(text).as("the app's log").doesNotContain("OutOfMemoryError").doesNotContain("JobRunShell");
        List<JsonNode> rejected = ndjson(work.resolve("rejected"));
        assertThat(rejected).extracting(r -> r.path("event").path("id").asText()).containsExactly("big-plain", "big-gzip", "big-type");
        assertThat(rejected).extracting(r -> r.path("reason").asText()).containsExactly(
                tooLarge(PLAIN_HEAD), tooLarge(GZIP_HEAD), tooLarge(TYPE_HEAD));
        assertThat(text).contains("security-events event big-plain rejected: the event is")
                .contains("security-events event big-gzip rejected: the event is")
                .contains("security-events event big-type rejected: the event is");
        assertThat(text.lines().filter(l -> l.contains("polled 3 security-events")).toList())
                .hasSize(3).allSatisfy(l -> assertThat(l).contains("1 rejected"));
        assertThat(text).doesNotContain("security-events poll failed");
        assertThat(ndjson(work.resolve("events"))).extracting(e -> e.path("metadata").path("id").asText())
                .as("the events around the huge one, each once").containsExactly(Events.id(1), Events.id(3));

        long stopping = System.nanoTime();
        app.destroy();
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM ends the app").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(20));
        assertThat(logText(log)).doesNotContain("inflight").doesNotContain("abandoned");
    }

    private static String tooLarge(String head) {
        return "the event is " + (head.length() + HUGE + TAIL.length()) + " bytes, more than pta.events.max-event-size "
                + "(1048576); only the fields pta-router reads in its first 1048576 bytes are kept";
    }

    /** Answers the security events calls in turn: a huge event plain, gzipped, a huge type, then no huge event. */
    private void startPvwa() throws IOException {
        pvwa = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pvwa.setExecutor(threads);
        for (String auth : List.of("/PasswordVault/API/auth/", "/PasswordVault/API/Auth/")) {
            pvwa.createContext(auth, exchange -> {
                try (exchange) {
                    send(exchange, exchange.getRequestURI().getPath().endsWith("Logon") ? "\"huge-token\"" : "{}");
                }
            });
        }
        pvwa.createContext("/PasswordVault/API/pta/API/Events/", exchange -> {
            try (exchange) {
                switch (eventCalls.incrementAndGet()) {
                    case 1 -> huge(exchange, false, PLAIN_HEAD);
                    case 2 -> huge(exchange, true, GZIP_HEAD);
                    case 3 -> huge(exchange, false, TYPE_HEAD);
                    default -> send(exchange, "[" + E1 + "," + E3 + "]");
                }
            } catch (IOException e) {
                // pta-router closed the connection: what the test looks at is in its log and files
            }
        });
        pvwa.start();
    }

    /** [E1, head + 200 MB of 'x' + TAIL, E3], written as it is generated; with gzip, compressed on the fly. */
    private static void huge(HttpExchange exchange, boolean gzip, String head) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (gzip) {
            exchange.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        exchange.sendResponseHeaders(200, 0);
        OutputStream wire = exchange.getResponseBody();
        try (OutputStream body = gzip ? new GZIPOutputStream(wire, 1 << 16) : wire) {
            body.write(("[" + E1 + "," + head).getBytes(StandardCharsets.UTF_8));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 'x');
            for (long sent = 0; sent < HUGE; sent += chunk.length) {
                body.write(chunk);
            }
            body.write((TAIL + "," + E3 + "]").getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** pta-router as it runs in production: its own JVM with a 256 MB heap, the app's classes and libraries only. */
    private Process startApp(Path log) throws IOException {
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dpta.base-url=http://127.0.0.1:" + pvwa.getAddress().getPort(),
                "-Dpta.http.allow-plain-http=true",
                "-Dpta.auth.password=huge-secret",
                "-Dpta.security-events.cron=0/3 * * * * ?",
                "-Dpta.security-events.initial-lookback=3650d",
                "-Dpta.risk-events.enabled=false",
                "-Dpta.sink.jms.enabled=false",
                "-Dpta.sink.file.directory=" + work.resolve("events"),
                "-Dpta.sink.rejected.directory=" + work.resolve("rejected"),
                "-Dpta.delivery.dead-letter-directory=" + work.resolve("dead-letter"),
                "-Dpta.state.jdbc-url=jdbc:h2:file:" + work.resolve("state").resolve("pta-router"),
                "-Dcamel.management.enabled=false",
                "-cp", classpath, "io.ptarouter.App"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PTA_") || name.startsWith("CAMEL_"));
        return builder.start();
    }

    private static String logText(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = logText(log).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static List<JsonNode> ndjson(Path folder) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return lines;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.sorted().toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        lines.add(JSON.readTree(line));
                    }
                }
            }
        }
        return lines;
    }
}
