package io.ptarouter;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * Passwords, session tokens, webhook credentials and a webhook URL's secret path never appear in
 * the log, whatever happens: a refused token and re-logon, a failing webhook, rejected credentials;
 * nor in Camel Main's own start-up summaries, with every secret set as an environment variable.
 */
class SecretsStayOutOfLogsTest {

    @Nested
    class InTheRoutes extends RouterTestSupport {

        private static final String SECOND_TOKEN = "second-session-token-777";
        private static final String HOOK_PATH = "/services/T0001/B0002/hook-secret-path-xyz";
        private static final String HOOK_CREDENTIAL = "hook-credential-4711";

        @RegisterExtension
        final LogCapture log = new LogCapture();

        @Override
        protected Map<String, String> settings() {
            return Map.of("pta.sink.webhook.url", WEBHOOK.baseUrl() + HOOK_PATH,
                    "pta.sink.webhook.headers", "Authorization: Bearer " + HOOK_CREDENTIAL,
                    // one failing call is enough to look at its log lines
                    "pta.sink.max-redeliveries", "0");
        }

        @Test
        void noSecretIsLoggedThroughReLogonFailingWebhookAndRejectedCredentials() throws Exception {
            PVWA.stubFor(post(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon")).inScenario("logon")
                    .whenScenarioStateIs(Scenario.STARTED).willReturn(okJson("\"" + TOKEN + "\"")).willSetStateTo("second"));
            PVWA.stubFor(post(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon")).inScenario("logon")
                    .whenScenarioStateIs("second").willReturn(okJson("\"" + SECOND_TOKEN + "\"")).willSetStateTo("refused"));
            PVWA.stubFor(post(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon")).inScenario("logon")
                    .whenScenarioStateIs("refused").willReturn(aResponse().withStatus(403).withBody(
                            "{\"ErrorCode\":\"PASWS013E\",\"ErrorMessage\":\"Authentication failure for User [pta-reader].\"}")));
            PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/")).withHeader("Authorization", equalTo(TOKEN))
                    .willReturn(aResponse().withStatus(401).withBody("{\"ErrorCode\":\"PASWS006E\",\"ErrorMessage\":\"Session ended\"}")));
            PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/")).withHeader("Authorization", equalTo(SECOND_TOKEN))
                    .willReturn(okJson(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 91.0,
                            NOW.toEpochMilli())))));
            WEBHOOK.stubFor(post(urlPathEqualTo(HOOK_PATH)).willReturn(aResponse().withStatus(500)));

            poll("security-events");   // 401, re-logon, delivery; the webhook fails
            assertThat(fileEnvelopes("security-events")).hasSize(1);
            assertThat(webhookRequests()).isEmpty(); // the harness path; the real one is secret
            assertThat(WEBHOOK.getAllServeEvents()).hasSize(1);

            PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/")).withHeader("Authorization", equalTo(SECOND_TOKEN))
                    .willReturn(aResponse().withStatus(401)));
            poll("security-events");   // refused again: logon now rejected with PASWS013E
            context.stop();            // logoff

            String text = log.text();
            assertThat(text).contains("PASWS013E").contains("webhook-post did not deliver").contains("HTTP 500");
            assertThat(text).doesNotContain(PASSWORD, TOKEN, SECOND_TOKEN, HOOK_CREDENTIAL, "hook-secret-path-xyz");
        }
    }

    /**
     * The app as its own JVM, started as the README says (secrets in environment variables), at the
     * log levels it ships with: Camel Main's auto-configuration and property-placeholder summaries,
     * the poll, the sinks' failures and the shutdown are all in its output.
     */
    @Nested
    class ThroughCamelMain {
        private static final String SESSION_TOKEN = "plant-session-token-00";

        @RegisterExtension
        final WireMockExtension pvwa = WireMockExtension.newInstance()
                .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1")).build();

        @RegisterExtension
        final WireMockExtension hook = WireMockExtension.newInstance()
                .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1")).build();

        @TempDir
        Path work;

        @Test
        void noSettingsSecretReachesTheLogOfAPvwaRunWithEverySinkFailing() throws Exception {
            pvwa.stubFor(post(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon")).willReturn(okJson("\"" + SESSION_TOKEN + "\"")));
            pvwa.stubFor(post(urlPathEqualTo("/PasswordVault/API/Auth/Logoff")).willReturn(okJson("{}")));
            pvwa.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/")).willReturn(okJson(Events.array(
                    Events.security(Events.id(1), "SuspectedCredentialsTheft", 91.0, System.currentTimeMillis() - 60_000)))));
            hook.stubFor(post(urlPathMatching("/hooks/.*")).willReturn(aResponse().withStatus(500)));
            int closed = closedPort();
            Map<String, String> secrets = new LinkedHashMap<>();
            secrets.put("PTA_AUTH_PASSWORD", "plant-auth-password-01");
            secrets.put("PTA_AUTH_IDENTITY_CLIENT_SECRET", "plant-client-secret-02");
            secrets.put("PTA_TLS_TRUSTSTORE_PASSWORD", "plant-truststore-password-03");
            secrets.put("PTA_HTTP_PROXY_PASSWORD", "plant-proxy-password-04");
            secrets.put("PTA_STATE_PASSWORD", "plant-state-password-05");
            secrets.put("PTA_SINK_JMS_PASSWORD", "plant-jms-password-06");
            secrets.put("PTA_SINK_EMAIL_PASSWORD", "plant-email-password-07");
            secrets.put("PTA_SINK_EMAIL_TRUSTSTORE_PASSWORD", "plant-email-truststore-password-08");
            secrets.put("PTA_SINK_WEBHOOK_HEADERS", "Authorization: Bearer plant-webhook-header-09; X-Api-Key: plant-webhook-header-10");
            secrets.put("PTA_SINK_WEBHOOK_URL", "http://hookuser:plant-webhook-url-password-11@127.0.0.1:" + hook.getPort()
                                                + "/hooks/plant-webhook-path-12?key=plant-webhook-query-13");
            // the fake PVWA is the proxy too: the calls go through it with its credentials
            secrets.put("PTA_HTTP_PROXY", "http://proxyuser:plant-proxy-url-password-14@127.0.0.1:" + pvwa.getPort());
            secrets.put("PTA_SINK_JMS_BROKER_URL", "tcp://127.0.0.1:" + closed + "?user=jmsuser&password=plant-broker-url-password-15");
            secrets.put("PTA_UPDATES_HTTP_TOKEN", "plant-updates-token-16");
            secrets.put("PTA_SINK_WEBHOOK_SPLUNK_HEC_TOKEN", "plant-hec-token-17");
            Map<String, String> env = new LinkedHashMap<>(secrets);
            env.put("PTA_BASE_URL", pvwa.baseUrl());
            env.put("PTA_HTTP_ALLOW_PLAIN_HTTP", "true");
            env.put("PTA_HTTP_PROXY_USERNAME", "proxyuser");
            env.put("PTA_STATE_USERNAME", "stateuser");
            env.put("PTA_SINK_JMS_USERNAME", "jmsuser");
            env.put("PTA_SINK_JMS_TIMEOUT", "2s");
            env.put("PTA_SINK_EMAIL_ENABLED", "true");
            env.put("PTA_SINK_EMAIL_HOST", "127.0.0.1");
            env.put("PTA_SINK_EMAIL_PORT", Integer.toString(closed));
            env.put("PTA_SINK_EMAIL_USERNAME", "mailuser");
            env.put("PTA_SINK_EMAIL_TIMEOUT", "2s");
            env.put("PTA_SINK_WEBHOOK_ENABLED", "true");
            env.put("PTA_SINK_WEBHOOK_BODY_FORMAT", "splunk-hec"); // the failing webhook carries the HEC token too
            env.put("PTA_UPDATES_HTTP_ENABLED", "true");
            env.put("CAMEL_SERVER_PORT", Integer.toString(closedPort()));

            String log = runUntil(env, "polled 1 security-events");

            assertThat(log).contains("Property-placeholders summary", "[OS Environment Variable]",
                    "pta.sink.webhook.headers = xxxxxx", "pta.sink.webhook.url = xxxxxx", "pta.http.proxy = xxxxxx",
                    "pta.sink.jms.broker-url = xxxxxx", "pta.auth.password = xxxxxx", "pta.updates.http.token = xxxxxx", "/pta/updates",
                    "pta.sink.webhook.splunk-hec.token = xxxxxx",
                    "PVWA logon as 'pta-router' (CyberArk) succeeded", "PVWA logoff of 'pta-router' answered 200");
            assertThat(pvwa.findAll(postRequestedFor(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon"))))
                    .as("the logon went through the proxy, with the planted password").singleElement()
                    .satisfies(r -> assertThat(r.getBodyAsString()).contains("plant-auth-password-01"));
            assertThat(log).doesNotContain(secrets.values().stream().flatMap(SecretsStayOutOfLogsTest::parts).toArray(String[]::new))
                    .doesNotContain(SESSION_TOKEN);
        }

        @Test
        void noSettingsSecretReachesTheLogOfAnIdentityRunThatIsRefused() throws Exception {
            pvwa.stubFor(post(urlPathEqualTo("/oauth2/platformtoken")).willReturn(aResponse().withStatus(401)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}")));
            Map<String, String> secrets = new LinkedHashMap<>();
            secrets.put("PTA_AUTH_IDENTITY_CLIENT_SECRET", "plant-client-secret-21");
            // H2 takes the password in its URL as well
            secrets.put("PTA_STATE_JDBC_URL", "jdbc:h2:file:" + work.resolve("state/pta-router") + ";PASSWORD=plant-h2-url-password-22");
            Map<String, String> env = new LinkedHashMap<>(secrets);
            env.put("PTA_BASE_URL", pvwa.baseUrl());
            env.put("PTA_HTTP_ALLOW_PLAIN_HTTP", "true");
            env.put("PTA_AUTH_MODE", "identity");
            env.put("PTA_AUTH_IDENTITY_TOKEN_URL", pvwa.baseUrl() + "/oauth2/platformtoken");
            env.put("PTA_AUTH_IDENTITY_CLIENT_ID", "pta-router-client");
            env.put("PTA_SINK_JMS_ENABLED", "false");

            String log = runUntil(env, "security-events poll failed");

            assertThat(log).contains("invalid_client", "pta.state.jdbc-url = xxxxxx", "pta.auth.identity.client-secret = xxxxxx");
            assertThat(log).doesNotContain(secrets.values().stream().flatMap(SecretsStayOutOfLogsTest::parts).toArray(String[]::new));
        }

        @Test
        void aStartUpThatCannotReachTheDatabaseNamesItWithoutItsPasswords() throws Exception {
            Map<String, String> secrets = new LinkedHashMap<>();
            secrets.put("PTA_STATE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + closedPort()
                                              + "/pta?user=pta&password=plant-jdbc-url-password-31&ssl=false");
            secrets.put("PTA_STATE_PASSWORD", "plant-state-password-32");
            secrets.put("PTA_AUTH_PASSWORD", "plant-auth-password-33");
            Map<String, String> env = new LinkedHashMap<>(secrets);
            env.put("PTA_BASE_URL", "https://pvwa.example.test");

            String log = runToExit(env);

            assertThat(log).contains("pta-router did not start", "cannot open the delivery state at jdbc:postgresql://127.0.0.1:",
                    "password=***");
            assertThat(log).doesNotContain(secrets.values().stream().flatMap(SecretsStayOutOfLogsTest::parts).toArray(String[]::new));
        }

        /** Runs io.ptarouter.App from the project folder with {@code env} until its log shows {@code until}; then SIGTERM. */
        private String runUntil(Map<String, String> env, String until) throws Exception {
            Path log = work.resolve("app.log");
            Process app = start(env, log);
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    assertThat(app.isAlive()).as("the app is running; its log:%n%s", read(log)).isTrue();
                    return read(log).contains(until);
                });
                app.destroy(); // SIGTERM: the graceful shutdown, the logoff
                assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the app stopped").isTrue();
            } finally {
                app.destroyForcibly();
            }
            return read(log);
        }

        /** Runs io.ptarouter.App, which is expected to fail its start-up and exit by itself. */
        private String runToExit(Map<String, String> env) throws Exception {
            Path log = work.resolve("app.log");
            Process app = start(env, log);
            try {
                assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the app exited").isTrue();
                assertThat(app.exitValue()).as("exit code; the log:%n%s", read(log)).isEqualTo(1);
            } finally {
                app.destroyForcibly();
            }
            return read(log);
        }

        private Process start(Map<String, String> env, Path log) throws IOException {
            // the main classes and the dependencies, not the test resources: the app's own log4j2.properties applies
            String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", classpath,
                    "-Dcamel.management.enabled=false", // another run may hold the health port
                    "io.ptarouter.App")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("PTA_") || name.startsWith("CAMEL_"));
            builder.environment().putAll(env);
            builder.environment().put("PTA_SECURITY_EVENTS_CRON", "0/2 * * * * ?");
            builder.environment().put("PTA_RISK_EVENTS_ENABLED", "false");
            builder.environment().put("PTA_SINK_MAX_REDELIVERIES", "0");
            builder.environment().put("PTA_SINK_FILE_DIRECTORY", work.resolve("events").toString());
            builder.environment().put("PTA_SINK_REJECTED_DIRECTORY", work.resolve("rejected").toString());
            builder.environment().put("PTA_DELIVERY_DEAD_LETTER_DIRECTORY", work.resolve("dead-letter").toString());
            builder.environment().put("PTA_SINK_JMS_EMBEDDED_DATA_DIRECTORY", work.resolve("artemis").toString());
            builder.environment().putIfAbsent("PTA_STATE_JDBC_URL", "jdbc:h2:file:" + work.resolve("state/pta-router"));
            return builder.start();
        }

        private static String read(Path log) throws IOException {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        }

        private static int closedPort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            }
        }
    }

    /** The planted secret, and each secret word of a compound value (a header's value, a URL's password and query). */
    private static Stream<String> parts(String value) {
        return Stream.concat(Stream.of(value), Pattern.compile("plant-[a-z0-9-]+").matcher(value).results().map(MatchResult::group));
    }
}
