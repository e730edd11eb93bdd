package io.ptarouter.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.sink.EmbeddedBroker;
import io.ptarouter.testing.Keytool;

/**
 * {@code java -jar pta-router.jar check} as its own JVM, so its exit code is real, from an empty folder, against
 * real peers on loopback: the PTA simulator, GreenMail with SMTP AUTH, an Artemis broker over TCP and a webhook
 * receiver; then each peer in turn down or misconfigured.
 */
class CheckModeIT {

    private static final String PVWA_PASSWORD = "Pvwa-Secret-4711";
    private static final String SMTP_PASSWORD = "Smtp-Secret-0815";
    private static final String STORE_PASSWORD = "store-password";

    @TempDir
    static Path peers;

    @TempDir
    Path work;

    private static PtaSimulator simulator;
    private static GreenMail smtp;
    private static EmbeddedBroker broker;
    private static int brokerPort;
    private static HttpServer webhook;
    private static HttpsServer untrustedWebhook;
    private static final AtomicInteger webhookRequests = new AtomicInteger();
    /** A syslog receiver over TCP that counts the bytes it is sent: the check must open a connection and send none. */
    private static ServerSocket syslog;
    private static final AtomicLong syslogBytes = new AtomicLong();

    @BeforeAll
    static void startPeers() throws Exception {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withPort(0).withCredentials("pta-reader", PVWA_PASSWORD));
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        smtp.setUser("pta-router@example.test", "pta-mailer", SMTP_PASSWORD);
        brokerPort = freePort();
        broker = new EmbeddedBroker(peers.resolve("artemis"), brokerPort, "pta.events");
        broker.start();
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/", exchange -> {
            webhookRequests.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
        // A certificate no JVM trusts: the check must fail its handshake as the sink would.
        Path keystore = peers.resolve("webhook.p12");
        Keytool.run("-genkeypair", "-alias", "webhook", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        untrustedWebhook = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        untrustedWebhook.setHttpsConfigurator(new HttpsConfigurator(serverTls(keystore)));
        untrustedWebhook.createContext("/", exchange -> {
            webhookRequests.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        untrustedWebhook.start();
        syslog = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread receiver = new Thread(() -> {
            while (!syslog.isClosed()) {
                try (Socket connection = syslog.accept(); InputStream in = connection.getInputStream()) {
                    for (int read = in.read(); read >= 0; read = in.read()) {
                        syslogBytes.incrementAndGet();
                    }
                } catch (IOException e) {
                    // closed at the end of the tests, or a connection the check reset
                }
            }
        }, "syslog-receiver");
        receiver.setDaemon(true);
        receiver.start();
    }

    @AfterAll
    static void stopPeers() throws Exception {
        if (syslog != null) {
            syslog.close();
        }
        if (untrustedWebhook != null) {
            untrustedWebhook.stop(0);
        }
        if (webhook != null) {
            webhook.stop(0);
        }
        if (broker != null) {
            broker.stop();
        }
        if (smtp != null) {
            smtp.stop();
        }
        if (simulator != null) {
            simulator.close();
        }
    }

    @Test
    void withEveryPeerUpEveryCheckPassesNothingIsDeliveredAndTheExitCodeIsZero() throws Exception {
        int logons = simulator.logonCount();
        int logoffs = simulator.logoffCount();
        int requests = webhookRequests.get();
        long syslogSent = syslogBytes.get();

        Run run = check(Map.of(), Map.of());

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.lines().keySet()).containsExactly("settings", "pvwa logon", "pta security-events",
                "pta risk-events", "pvwa logoff", "state", "file", "jms", "smtp", "webhook", "syslog");
        assertThat(run.lines().values()).as(run.output()).allMatch(line -> line.startsWith("ok   "));
        assertThat(run.output()).contains("pta-router check: all 11 checks passed");
        assertThat(run.lines().get("syslog")).contains("tcp://127.0.0.1:" + syslog.getLocalPort() + " reachable");
        assertThat(syslogBytes.get()).as("no record reached the syslog receiver").isEqualTo(syslogSent);
        assertThat(simulator.logonCount() - logons).as("logged on once").isEqualTo(1);
        assertThat(simulator.logoffCount() - logoffs).as("and off again").isEqualTo(1);
        assertThat(webhookRequests.get()).as("no request reached the webhook").isEqualTo(requests);
        assertThat(smtp.getReceivedMessages()).as("no mail sent").isEmpty();
        assertThat(filesUnder(work.resolve("data/events"))).as("no event written").isEmpty();
    }

    @Test
    void withTheDemoProfileTheCheckReachesTheDemosOwnPeers() throws Exception {
        int simulatorPort = freePort();
        int smtpPort = freePort();
        int webhookPort = freePort();
        int syslogPort = freePort();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcamel.main.profile=demo",
                "-Dpta.demo.syslog-port=" + syslogPort,
                "-Dpta.sink.syslog.port=" + syslogPort,
                "-Dpta.demo.simulator-port=" + simulatorPort,
                "-Dpta.base-url=http://127.0.0.1:" + simulatorPort,
                "-Dpta.demo.smtp-port=" + smtpPort,
                "-Dpta.sink.email.port=" + smtpPort,
                "-Dpta.demo.webhook-port=" + webhookPort,
                "-Dpta.sink.webhook.url=http://127.0.0.1:" + webhookPort + "/pta-events",
                "-jar", Path.of("target", "pta-router.jar").toAbsolutePath().toString(), "check");

        Run run = run(new ProcessBuilder(command));

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.lines().keySet()).containsExactly("settings", "pvwa logon", "pta security-events",
                "pta risk-events", "pvwa logoff", "state", "file", "jms", "smtp", "webhook", "syslog");
        assertThat(run.lines().get("settings")).contains("profile demo");
        assertThat(run.lines().get("jms")).contains("the embedded broker");
        assertThat(run.output()).doesNotContain("demo-password");
        assertThat(filesUnder(work.resolve("data/demo/events"))).as("nothing polled, nothing written").isEmpty();
        assertThat(filesUnder(work.resolve("data/demo/mail"))).isEmpty();
    }

    static Stream<Arguments> brokenPeers() throws IOException {
        return Stream.of(
                broken("PVWA down", Map.of("pta.base-url", "http://127.0.0.1:" + freePort()), Map.of(),
                        "pvwa logon", "Connection refused"),
                broken("wrong PVWA password", Map.of(), Map.of("PTA_AUTH_PASSWORD", "Not-The-Password-1"),
                        "pvwa logon", "PVWA logon as 'pta-reader' (CyberArk) at http://127.0.0.1"),
                broken("SMTP down", Map.of("pta.sink.email.port", Integer.toString(freePort())), Map.of(),
                        "smtp", "Connection refused"),
                broken("SMTP authentication refused", Map.of(), Map.of("PTA_SINK_EMAIL_PASSWORD", "Not-The-Password-2"),
                        "smtp", "535"),
                broken("broker down", Map.of("pta.sink.jms.broker-url", "tcp://127.0.0.1:" + freePort()), Map.of(),
                        "jms", "Cannot connect"),
                broken("webhook down", Map.of("pta.sink.webhook.url", "http://127.0.0.1:" + freePort() + "/pta-events"),
                        Map.of(), "webhook", "Connection refused"),
                broken("webhook TLS refused", Map.of("pta.sink.webhook.url", "https://127.0.0.1:"
                        + untrustedWebhook.getAddress().getPort() + "/pta-events"), Map.of(), "webhook", "certification path"),
                broken("syslog receiver down", Map.of("pta.sink.syslog.port", Integer.toString(freePort())), Map.of(),
                        "syslog", "Connection refused"),
                broken("file folder not writable", Map.of("pta.sink.file.directory", "data/blocked/events"), Map.of(),
                        "file", "is not writable"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPeers")
    void aPeerDownOrMisconfiguredFailsItsOwnCheckWithTheReasonAndTheExitCode(String peer, Map<String, String> settings,
                                                                             Map<String, String> environment,
                                                                             String failing, String reason) throws Exception {
        Files.createDirectories(work.resolve("data"));
        Files.writeString(work.resolve("data/blocked"), "a file where the sink expects a folder");
        int requests = webhookRequests.get();

        Run run = check(settings, environment);

        assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
        assertThat(run.lines()).as(run.output()).containsKey(failing);
        assertThat(run.lines().get(failing)).startsWith("FAIL ").contains(reason);
        run.lines().forEach((check, line) -> {
            if (!check.equals(failing)) {
                assertThat(line).as("only %s fails:%n%s", failing, run.output()).startsWith("ok   ");
            }
        });
        assertThat(run.output()).contains("pta-router check: 1 of " + run.lines().size() + " checks failed")
                .doesNotContain(PVWA_PASSWORD, SMTP_PASSWORD, "Not-The-Password");
        assertThat(webhookRequests.get()).as("no request reached a webhook").isEqualTo(requests);
    }

    @Test
    void aBadSettingIsTheSettingsChecksFailureNamingTheKey() throws Exception {
        Run run = check(Map.of("pta.routing.high-from", "very"), Map.of());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.lines().get("settings")).startsWith("FAIL ").contains("'pta.routing.high-from'")
                .contains("expected a number");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Arguments broken(String peer, Map<String, String> settings, Map<String, String> environment,
                                    String failing, String reason) {
        return Arguments.of(peer, settings, environment, failing, reason);
    }

    private record Run(int exitCode, String output, Map<String, String> lines) {
    }

    /** Runs the check from the empty folder {@code work}, with the settings as -D and the secrets as variables. */
    private Run check(Map<String, String> overrides, Map<String, String> environmentOverrides) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("pta.base-url", simulator.baseUrl());
        settings.put("pta.http.allow-plain-http", "true");
        settings.put("pta.auth.username", "pta-reader");
        settings.put("pta.sink.jms.broker-url", "tcp://127.0.0.1:" + brokerPort);
        settings.put("pta.sink.email.enabled", "true");
        settings.put("pta.sink.email.host", "127.0.0.1");
        settings.put("pta.sink.email.port", Integer.toString(smtp.getSmtp().getPort()));
        settings.put("pta.sink.email.username", "pta-mailer");
        settings.put("pta.sink.webhook.enabled", "true");
        settings.put("pta.sink.webhook.url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/pta-events");
        settings.put("pta.sink.syslog.enabled", "true");
        settings.put("pta.sink.syslog.transport", "tcp");
        settings.put("pta.sink.syslog.host", "127.0.0.1");
        settings.put("pta.sink.syslog.port", Integer.toString(syslog.getLocalPort()));
        settings.putAll(overrides);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", Path.of("target", "pta-router.jar").toAbsolutePath().toString(), "check"));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("PTA_AUTH_PASSWORD", PVWA_PASSWORD);
        builder.environment().put("PTA_SINK_EMAIL_PASSWORD", SMTP_PASSWORD);
        builder.environment().putAll(environmentOverrides);
        return run(builder);
    }

    private Run run(ProcessBuilder builder) throws Exception {
        Process process = builder.directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("check.log").toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the check finishes").isTrue();
        String output = Files.readString(work.resolve("check.log"), StandardCharsets.UTF_8);
        Map<String, String> lines = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("ok   ") || line.startsWith("FAIL ")) {
                lines.put(line.substring(5, Math.min(line.length(), 27)).strip(), line);
            }
        }
        return new Run(process.exitValue(), output, lines);
    }

    private static SSLContext serverTls(Path keystore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, STORE_PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }

    private static List<Path> filesUnder(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
