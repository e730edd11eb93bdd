package io.ptarouter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.ptarouter.App;
import io.ptarouter.testing.LogCapture;

/**
 * A wrong setting stops start-up with an {@link InvalidConfigurationException} that names the key,
 * and never repeats a secret.
 */
class ConfigurationValidationTest {

    private static final String SECRET = "TopSecret123";

    @TempDir
    Path work;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad("pta.routing.high-from", Map.of("pta.routing.high-from", "abc")),
                bad("pta.routing.high-from", Map.of("pta.routing.high-from", "101")),
                bad("pta.routing.medium-from", Map.of("pta.routing.medium-from", "80", "pta.routing.high-from", "75")),
                bad("pta.routing.min-score", Map.of("pta.routing.min-score", "low")),
                bad("pta.routing.missing-score-severity", Map.of("pta.routing.missing-score-severity", "critical")),
                bad("pta.auth.method", Map.of("pta.auth.method", "Kerberos")),
                bad("pta.security-events.cron", Map.of("pta.security-events.cron", "every minute")),
                bad("pta.risk-events.cron", Map.of("pta.risk-events.cron", "0 * * * *")),
                bad("pta.auth.mode", Map.of("pta.auth.mode", "saml")),
                bad("pta.base-url", Map.of("pta.base-url", "ftp://x")),
                bad("pta.base-url", Map.of("pta.base-url", "https://pvwa/PasswordVault")),
                bad("pta.base-url", Map.of("pta.base-url", "pvwa.example.com")),
                bad("pta.base-url", Map.of("pta.base-url", "http://pvwa.example.com")),
                bad("pta.base-url", Map.of("pta.base-url", "http://127.0.0.1:18080")),
                bad("pta.base-url", Map.of("pta.base-url", "http://pvwa.example.com", "pta.http.allow-plain-http", "true")),
                bad("pta.base-url", Map.of("pta.base-url", "http://10.0.0.7", "pta.http.allow-plain-http", "true")),
                bad("pta.base-url", Map.of("pta.base-url", "http://localhost.example.com", "pta.http.allow-plain-http", "true")),
                bad("pta.http.allow-plain-http", Map.of("pta.http.allow-plain-http", "yes")),
                bad("pta.auth.identity.token-url", identity("http://tenant.id.cyberark.cloud/oauth2/platformtoken", "false")),
                bad("pta.auth.identity.token-url", identity("http://tenant.id.cyberark.cloud/oauth2/platformtoken", "true")),
                bad("pta.auth.password", Map.of("pta.auth.password", "")),
                bad("pta.auth.concurrent-session", Map.of("pta.auth.concurrent-session", "yes")),
                bad("pta.risk-events.page-size", Map.of("pta.risk-events.page-size", "5000")),
                bad("pta.risk-events.page-size", Map.of("pta.risk-events.page-size", "0")),
                bad("pta.security-events.from-update-date-unit", Map.of("pta.security-events.from-update-date-unit", "minutes")),
                bad("pta.security-events.since", Map.of("pta.security-events.since", "body")),
                bad("pta.security-events.status", Map.of("pta.security-events.status", "pending")),
                bad("pta.sink.webhook.headers", Map.of("pta.sink.webhook.enabled", "true",
                        "pta.sink.webhook.headers", "NoColonHere")),
                bad("pta.sink.webhook.url", Map.of("pta.sink.webhook.enabled", "true",
                        "pta.sink.webhook.url", "mailto:soc@example.test")),
                bad("pta.sink.email.to", Map.of("pta.sink.email.enabled", "true", "pta.sink.email.to", " , ")),
                bad("pta.updates.http.token", Map.of("pta.updates.http.enabled", "true")),
                bad("pta.updates.http.token", Map.of("pta.updates.http.enabled", "true", "pta.updates.http.token", "short")),
                bad("pta.updates.close-reason", Map.of("pta.updates.close-reason", "maybe")),
                bad("pta.sink.email.security", Map.of("pta.sink.email.security", "ssl")),
                bad("pta.sink.jms.message-type", Map.of("pta.sink.jms.message-type", "object")),
                bad("pta.tls.ca-file", Map.of("pta.tls.ca-file", "/does/not/exist")),
                bad("pta.tls.verify", Map.of("pta.tls.verify", "maybe")),
                bad("pta.http.read-timeout", Map.of("pta.http.read-timeout", "soon")),
                bad("pta.http.connect-timeout", Map.of("pta.http.connect-timeout", "-5s")),
                // Camel reads these as 0, which an HTTP client takes as "wait forever"
                bad("pta.http.read-timeout", Map.of("pta.http.read-timeout", "10x")),
                bad("pta.http.read-timeout", Map.of("pta.http.read-timeout", "30S")),
                bad("pta.security-events.initial-lookback", Map.of("pta.security-events.initial-lookback", "P1D")),
                bad("pta.http.read-timeout", Map.of("pta.http.read-timeout", "99999999999999999999s")),
                bad("pta.delivery.checkpoint-events", Map.of("pta.delivery.checkpoint-events", "many")),
                bad("pta.delivery.retention", Map.of("pta.delivery.retention", "1m")),
                bad("pta.delivery.max-clock-skew", Map.of("pta.delivery.max-clock-skew", "10m")),
                bad("pta.delivery.max-clock-skew", Map.of("pta.delivery.max-clock-skew", "soon")),
                bad("pta.state.jdbc-url", Map.of("pta.state.jdbc-url", "postgres://db/x")),
                bad("pta.files.mode", Map.of("pta.files.mode", "rw-------")),
                bad("pta.files.mode", Map.of("pta.files.mode", "")),
                bad("pta.files.directory-mode", Map.of("pta.files.directory-mode", "0700")),
                bad("pta.sink.breaker.failure-rate", Map.of("pta.sink.breaker.failure-rate", "150")),
                bad("pta.health.max-missed-polls", Map.of("pta.health.max-missed-polls", "0")),
                bad("pta.health.max-owed-age", Map.of("pta.health.max-owed-age", "0s")),
                bad("pta.health.max-breaker-open", Map.of("pta.health.max-breaker-open", "a while")),
                bad("pta.sink.max-redeliveries", Map.of("pta.sink.max-redeliveries", "-1")),
                bad("pta.http.max-retries", Map.of("pta.http.max-retries", "-1")),
                bad("pta.http.max-retries", Map.of("pta.http.max-retries", "101")),
                bad("pta.http.max-retries", Map.of("pta.http.max-retries", "a few")),
                bad("pta.http.retry-delay", Map.of("pta.http.retry-delay", "soon")),
                bad("pta.http.retry-delay", Map.of("pta.http.retry-delay", "0")),
                bad("pta.http.retry-delay", Map.of("pta.http.retry-delay", "1m", "pta.http.max-retry-delay", "30s")),
                bad("pta.http.max-retry-delay", Map.of("pta.http.max-retry-delay", "-30s")),
                bad("pta.http.answer-timeout", Map.of("pta.http.answer-timeout", "0s")),
                bad("pta.http.answer-timeout", Map.of("pta.http.answer-timeout", "soon")),
                bad("pta.events.max-event-size", Map.of("pta.events.max-event-size", "lots")),
                bad("pta.events.max-event-size", Map.of("pta.events.max-event-size", "10")),
                bad("pta.events.max-event-size", Map.of("pta.events.max-event-size", "1GB")),
                bad("pta.events.max-answer-size", Map.of("pta.events.max-answer-size", "-1MB")),
                bad("pta.events.max-per-poll", Map.of("pta.events.max-per-poll", "0")),
                bad("pta.sink.file.body-format", Map.of("pta.sink.file.body-format", "splunk-hec")),
                bad("pta.sink.jms.body-format", Map.of("pta.sink.jms.body-format", "json")),
                bad("pta.sink.webhook.body-format", Map.of("pta.sink.webhook.body-format", "hec")),
                bad("pta.sink.webhook.splunk-hec.token", Map.of("pta.sink.webhook.enabled", "true",
                        "pta.sink.webhook.body-format", "splunk-hec")),
                bad("pta.sink.webhook.splunk-hec.ack", Map.of("pta.sink.webhook.body-format", "splunk-hec",
                        "pta.sink.webhook.splunk-hec.token", "hec-token", "pta.sink.webhook.splunk-hec.ack", "on")),
                bad("pta.sink.webhook.splunk-hec.ack-timeout", Map.of("pta.sink.webhook.body-format", "splunk-hec",
                        "pta.sink.webhook.splunk-hec.token", "hec-token", "pta.sink.webhook.splunk-hec.ack-timeout", "0s")),
                bad("pta.sink.syslog.transport", Map.of("pta.sink.syslog.transport", "tcp-tls")),
                bad("pta.sink.syslog.format", Map.of("pta.sink.syslog.format", "cef")),
                bad("pta.sink.syslog.port", Map.of("pta.sink.syslog.port", "65536")),
                bad("pta.sink.syslog.facility", Map.of("pta.sink.syslog.facility", "24")),
                bad("pta.sink.syslog.hostname", Map.of("pta.sink.syslog.hostname", "two words")),
                bad("pta.sink.syslog.event-type-ids", Map.of("pta.sink.syslog.event-type-ids", "VaultViaIrregularIp=21")),
                bad("pta.sink.syslog.severity-from", Map.of("pta.sink.syslog.severity-from", "10,20,30")),
                bad("pta.sink.syslog.severity-from", Map.of("pta.sink.syslog.severity-from", "10,20,30,40,50,60,70,90,80")),
                bad("pta.sink.syslog.missing-score-severity", Map.of("pta.sink.syslog.missing-score-severity", "11")),
                bad("pta.sink.syslog.timeout", Map.of("pta.sink.syslog.timeout", "0s")),
                bad("pta.sink.syslog.tls-ca-file", Map.of("pta.sink.syslog.enabled", "true", "pta.sink.syslog.transport", "tls",
                        "pta.sink.syslog.tls-ca-file", "/nonexistent/ca.pem")));
    }

    @Test
    void sizesTakeBytesOrAUnit() throws Exception {
        configure(Map.of("pta.events.max-event-size", "512KB", "pta.events.max-answer-size", "16GB"));
        configure(Map.of("pta.events.max-event-size", "1048576", "pta.events.max-answer-size", "4mb"));
    }

    private static Map<String, String> identity(String tokenUrl, String allowPlainHttp) {
        return Map.of("pta.auth.mode", "identity", "pta.auth.identity.token-url", tokenUrl,
                "pta.auth.identity.client-id", "pta-router", "pta.auth.identity.client-secret", SECRET,
                "pta.http.allow-plain-http", allowPlainHttp);
    }

    private static Arguments bad(String key, Map<String, String> settings) {
        return Arguments.of(key, settings);
    }

    @ParameterizedTest(name = "{1} fails naming {0}")
    @MethodSource("badSettings")
    void aBadValueFailsConfigurationNamingTheKey(String key, Map<String, String> settings) {
        assertThatThrownBy(() -> configure(settings))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'" + key + "'");
    }

    @Test
    void plainHttpIsRefusedSayingWhyAndWhichSettingAllowsItOnLoopback() {
        assertThatThrownBy(() -> configure(Map.of("pta.base-url", "http://pvwa.example.com")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'pta.base-url'").hasMessageContaining("in clear")
                .hasMessageContaining("pta.http.allow-plain-http=true");
        assertThatThrownBy(() -> configure(Map.of("pta.base-url", "http://pvwa.example.com", "pta.http.allow-plain-http", "true")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'pta.base-url'").hasMessageContaining("this machine only")
                .hasMessageContaining("'pvwa.example.com'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:18080", "http://localhost:18080", "http://[::1]:18080", "http://127.0.0.2"})
    void plainHttpToThisMachineIsAcceptedWhenAllowed(String baseUrl) throws Exception {
        configure(Map.of("pta.base-url", baseUrl, "pta.http.allow-plain-http", "true"));
        configure(identity("http://127.0.0.1:18443/oauth2/platformtoken", "true"));
    }

    @Test
    void theDefaultsWithAPasswordConfigureCleanly() throws Exception {
        configure(Map.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"500ms", "30s", "5m", "24h", "1h30m", "2d", "1500"})
    void durationsInTheDocumentedFormsAreAccepted(String duration) throws Exception {
        configure(Map.of("pta.http.read-timeout", duration, "pta.security-events.initial-lookback", duration));
    }

    @Test
    void retriesCanBeSwitchedOffAndTheirWaitsSetInAnyDurationForm() throws Exception {
        configure(Map.of("pta.http.max-retries", "0"));
        configure(Map.of("pta.http.retry-delay", "250ms", "pta.http.max-retry-delay", "2m"));
        configure(Map.of("pta.http.retry-delay", "5s", "pta.http.max-retry-delay", "5s"));
    }

    @Test
    void aTruststoreThatIsNotOneFailsWithoutRepeatingItsPassword() throws Exception {
        Path notAStore = work.resolve("truststore.p12");
        Files.writeString(notAStore, "this is not a keystore\n", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> configure(Map.of("pta.tls.truststore", notAStore.toString(),
                "pta.tls.truststore-password", SECRET)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("pta.tls.truststore")
                .message().doesNotContain(SECRET);
    }

    @Test
    void aTruststoreWithAWrongPasswordFailsWithoutRepeatingThePassword() throws Exception {
        Path store = work.resolve("real.p12");
        java.security.KeyStore keyStore = java.security.KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        try (var out = Files.newOutputStream(store)) {
            keyStore.store(out, "the-right-one".toCharArray());
        }

        assertThatThrownBy(() -> configure(Map.of("pta.tls.truststore", store.toString(),
                "pta.tls.truststore-password", SECRET)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("pta.tls.truststore")
                .message().doesNotContain(SECRET);
    }

    @Test
    void aMalformedWebhookHeaderFailsWithoutRepeatingTheHeaderValues() {
        assertThatThrownBy(() -> configure(Map.of("pta.sink.webhook.enabled", "true",
                "pta.sink.webhook.headers", "Authorization: Bearer " + SECRET + "; X-Bad Header " + SECRET)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("pta.sink.webhook.headers")
                .message().doesNotContain(SECRET);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hxxps://hooks.example.test/services/", "https://hooks.example.test/services/with space/",
                            "hooks.example.test/services/"})
    void aBadWebhookUrlFailsWithoutRepeatingTheSecretItCarries(String url) {
        // application.properties: "if it carries a secret, set it with PTA_SINK_WEBHOOK_URL"
        assertThatThrownBy(() -> configure(Map.of("pta.sink.webhook.enabled", "true",
                "pta.sink.webhook.url", url + SECRET)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("pta.sink.webhook.url")
                .message().doesNotContain(SECRET);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tpc://artemis.example.test:61616", "artemis.example.test:61616",
                            "(tcp://a.example.test:61616,tpc://b.example.test:61616)?ha=true"})
    void aMistypedBrokerUrlFailsNamingTheKeyTheSchemeAndTheSchemesAllowed(String url) {
        // Artemis' own parser answered a bare NullPointerException: "Schema tpc not found".
        assertThatThrownBy(() -> configure(Map.of("pta.sink.jms.enabled", "true", "pta.sink.jms.broker-url", url)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("pta.sink.jms.broker-url")
                .hasMessageContaining("tcp, vm, udp, jgroups")
                .hasMessageContaining(url.contains("tpc") ? "unknown scheme 'tpc'" : "expected a broker URL");
    }

    @Test
    void aBrokerUrlArtemisReadsIsAccepted() throws Exception {
        configure(Map.of("pta.sink.jms.enabled", "true",
                "pta.sink.jms.broker-url", "(tcp://a.example.test:61616,tcp://b.example.test:61617?sslEnabled=true)?ha=true"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"pta.sink.webhook.url=hxxps://hooks.example.test/" + SECRET,
                            "pta.sink.webhook.url=hooks.example.test/" + SECRET,
                            "pta.sink.webhook.url=",
                            "pta.sink.jms.broker-url=tpc://artemis.example.test:61616"})
    void aSwitchedOffSinksBadUrlIsOneWarningNotAFailedStartUp(String setting) {
        String key = setting.substring(0, setting.indexOf('='));
        Properties overrides = new Properties();
        overrides.putAll(baseSettings()); // JMS and webhook are both off
        overrides.put(key, setting.substring(key.length() + 1));
        overrides.put("camel.management.enabled", "false");
        overrides.put("camel.main.routes-include-pattern", "file:routes/*.camel.yaml");
        Main main = new Main(App.class);
        main.setDefaultPropertyPlaceholderLocation("file:application.properties");
        main.setOverrideProperties(overrides);
        try {
            main.start(); // the routes too: webhook-post's endpoint is created even when the sink is off
            assertThat(main.getCamelContext().isStarted()).isTrue();
            assertThat(log.text())
                    .contains("Invalid configuration '" + key + "'")
                    .contains("ignored while pta.sink." + (key.contains("jms") ? "jms" : "webhook") + ".enabled=false")
                    .doesNotContain(SECRET);
        } finally {
            main.stop();
        }
    }

    @Test
    void startingTheRouterWithABadSettingFailsStartUpNamingTheKey() {
        Main main = new Main(App.class);
        main.setDefaultPropertyPlaceholderLocation("file:application.properties");
        Properties overrides = new Properties();
        overrides.putAll(baseSettings());
        overrides.put("pta.routing.high-from", "abc");
        // no management port: another test run may hold 9876
        overrides.put("camel.management.enabled", "false");
        overrides.put("camel.main.routes-include-pattern", "file:routes/*.camel.yaml");
        main.setOverrideProperties(overrides);
        try {
            assertThatThrownBy(main::start)
                    .satisfies(e -> assertThat(rootConfigurationProblem(e))
                            .as("an InvalidConfigurationException in the cause chain of %s", e)
                            .isNotNull()
                            .satisfies(p -> assertThat(p.getMessage()).contains("pta.routing.high-from")));
            CamelContext context = main.getCamelContext();
            assertThat(context == null || !context.isStarted()).as("the CamelContext did not start").isTrue();
        } finally {
            main.stop();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Map<String, String> baseSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("pta.auth.password", "irrelevant");
        settings.put("pta.sink.jms.enabled", "false"); // no embedded broker to start and stop
        return settings;
    }

    private static void configure(Map<String, String> settings) throws Exception {
        CamelContext context = new DefaultCamelContext();
        try {
            Properties properties = new Properties();
            properties.putAll(baseSettings());
            properties.putAll(settings);
            context.getPropertiesComponent().setLocation("file:application.properties");
            context.getPropertiesComponent().setOverrideProperties(properties);
            new PtaRouterConfiguration().configure(context);
        } finally {
            context.close();
        }
    }

    private static InvalidConfigurationException rootConfigurationProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidConfigurationException problem) {
                return problem;
            }
        }
        return null;
    }
}
