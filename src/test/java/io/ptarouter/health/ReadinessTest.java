package io.ptarouter.health;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.quartz.Scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import io.ptarouter.App;
import io.ptarouter.testing.Events;

/**
 * The whole app as Camel Main runs it, with health and metrics on a port of its own, a fake PVWA
 * and a webhook receiver over HTTP on loopback, and a cron that fires every second: what an
 * orchestrator sees at /observe/health/ready and /observe/health/live, and what Prometheus
 * scrapes from /observe/metrics, while the PVWA or the webhook is down, and after they are back.
 */
class ReadinessTest extends CamelMainTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EVENTS = "/PasswordVault/API/pta/API/Events/";
    /** An event of a type every sink gets; updated a minute before the test, in the PVWA's past. */
    private static final long EVENT_TIME = System.currentTimeMillis() / 1000 * 1000 - 60_000;

    @RegisterExtension
    static final WireMockExtension WEBHOOK = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1")).build();

    @TempDir
    static Path folders;
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final HttpClient http = HttpClient.newHttpClient();
    // Set by configureContext, which CamelTestSupport calls from its constructor: no initialisers here.
    private int pvwaPort;
    private int management;
    private WireMockServer pvwa;

    @Override
    protected Class<?> getMainClass() {
        return App.class;
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return "file:application.properties";
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        Path data = folders.resolve("run-" + RUNS.incrementAndGet());
        pvwaPort = freePort();
        management = freePort();
        pvwa = startPvwa();
        Properties p = new Properties();
        p.setProperty("camel.management.port", Integer.toString(management));
        p.setProperty("pta.base-url", "http://127.0.0.1:" + pvwaPort);
        p.setProperty("pta.http.allow-plain-http", "true");
        p.setProperty("pta.auth.username", "pta-reader");
        p.setProperty("pta.auth.password", "s3cret-Passw0rd!");
        p.setProperty("pta.http.max-retries", "0");
        p.setProperty("pta.security-events.cron", "*/1 * * * * ?");
        // switched off, with a cron that would make it overdue at once if it were watched
        p.setProperty("pta.risk-events.enabled", "false");
        p.setProperty("pta.risk-events.cron", "*/1 * * * * ?");
        p.setProperty("pta.health.max-missed-polls", "2");
        p.setProperty("pta.health.max-owed-age", "2s");
        // Later than max-owed-age: the breaker opens during the poll, the owed events are counted at its end.
        p.setProperty("pta.health.max-breaker-open", "4s");
        p.setProperty("pta.sink.max-redeliveries", "0");
        p.setProperty("pta.sink.breaker.minimum-calls", "1");
        p.setProperty("pta.sink.breaker.open-for", "1s");
        p.setProperty("pta.sink.jms.enabled", "false");
        p.setProperty("pta.sink.webhook.enabled", "true");
        p.setProperty("pta.sink.webhook.url", WEBHOOK.baseUrl() + "/hooks/pta");
        p.setProperty("pta.sink.file.directory", data.resolve("events").toString());
        p.setProperty("pta.sink.rejected.directory", data.resolve("rejected").toString());
        p.setProperty("pta.state.jdbc-url", "jdbc:h2:file:" + data.resolve("state/pta-router"));
        p.setProperty("pta.delivery.dead-letter-directory", data.resolve("dead-letter").toString());
        configuration.withUseOverridePropertiesWithPropertiesComponent(p);
    }

    @AfterEach
    void stopPvwa() {
        pvwa.stop();
    }

    @Test
    void readinessGoesDownNamingTheStreamWhileThePvwaIsDownAndComesBackWithIt() throws Exception {
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        await("a successful poll").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(ready().status()).isEqualTo(200);
            assertThat(gauge("pta_watermark_time_seconds", "stream", "security-events")).isEqualTo(EVENT_TIME / 1000.0);
        });
        double beforeStop = gauge("pta_poll_last_success_time_seconds", "stream", "security-events");

        pvwa.stop();
        JsonNode down = awaitDown("pta-stream:security-events");
        // Read once DOWN: a poll under way when the PVWA stopped may still have succeeded.
        double lastSuccess = gauge("pta_poll_last_success_time_seconds", "stream", "security-events");
        assertThat(lastSuccess).isGreaterThanOrEqualTo(beforeStop);
        assertThat(down.path("status").asText()).isEqualTo("DOWN");
        JsonNode check = check(down, "pta-stream:security-events");
        assertThat(check.path("status").asText()).isEqualTo("DOWN");
        assertThat(check.path("message").asText()).startsWith("security-events: the last ").contains("polls failed")
                .contains("127.0.0.1:" + pvwaPort);
        assertThat(down.toString()).as("a switched-off stream is never DOWN").doesNotContain("risk-events");
        assertThat(metrics()).as("nor watched").doesNotContain("stream=\"risk-events\"").doesNotContain("sink=\"jms\"");
        Health live = health("/observe/health/live");
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.body().path("status").asText()).isEqualTo("UP");
        assertThat(gauge("pta_poll_consecutive_failures", "stream", "security-events")).isGreaterThanOrEqualTo(2);
        assertThat(gauge("pta_poll_last_success_time_seconds", "stream", "security-events")).isEqualTo(lastSuccess);

        pvwa = startPvwa();
        await("readiness UP again").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(ready().status()).isEqualTo(200);
            assertThat(gauge("pta_poll_consecutive_failures", "stream", "security-events")).isZero();
            assertThat(gauge("pta_poll_last_success_time_seconds", "stream", "security-events")).isGreaterThan(lastSuccess);
        });
    }

    @Test
    void readinessGoesDownNamingTheSinkWhileTheWebhookRefusesAndComesBackWithIt() throws Exception {
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(serviceUnavailable()));
        JsonNode down = awaitDown("pta-sink:webhook");
        JsonNode check = check(down, "pta-sink:webhook");
        assertThat(check.path("status").asText()).isEqualTo("DOWN");
        assertThat(check.path("message").asText()).startsWith("webhook sink: has owed events since ")
                .contains("(longer than 2s), 1 event now");
        assertThat(down.toString()).as("the stream polls, the file sink delivers")
                .doesNotContain("pta-stream:security-events").doesNotContain("pta-sink:file");
        assertThat(health("/observe/health/live").status()).isEqualTo(200);
        assertThat(gauge("pta_sink_owed_events", "sink", "webhook")).isEqualTo(1);
        assertThat(gauge("pta_sink_owed_events", "sink", "file")).isZero();
        assertThat(gauge("pta_sink_owed_events", "sink", Pattern.quote("(destination)")))
                .as("what pta-router's routing threw on").isZero();
        assertThat(down.toString()).doesNotContain("pta-destination");
        assertThat(gauge("pta_sink_breaker_state", "sink", "webhook")).isPositive();
        assertThat(gauge("pta_sink_breaker_state", "sink", "file")).isZero();

        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        await("readiness UP again").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(ready().status()).isEqualTo(200);
            assertThat(gauge("pta_sink_owed_events", "sink", "webhook")).isZero();
            assertThat(gauge("pta_sink_breaker_state", "sink", "webhook")).isZero();
        });
    }

    @Test
    void metricsCountEachSinksDeliveriesAndTimeTheCallsButNotTheRoutesEveryEventPasses() throws Exception {
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        await("a successful poll").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(deliveries("file", "delivered")).isEqualTo(1);
            assertThat(deliveries("webhook", "delivered")).isEqualTo(1);
        });
        // The one event, delivered once: later polls read it again, and every sink already has it.
        assertThat(deliveries("(destination)", "delivered"))
                .isEqualTo(1);
        assertThat(deliveries("file", "failed")).isZero();
        String metrics = metrics();
        assertThat(metrics).as("the webhook calls, once per call").contains("routeId=\"pta-webhook-post\"")
                .as("the polls").contains("pta_polls_total{result=\"ok\",stream=\"security-events\"}");
        for (String perEvent : List.of("pta-poll-security-events", "pta-dispatch", "pta-sink-file", "pta-sink-webhook")) {
            assertThat(metrics).as("a route every event passes").doesNotContain("routeId=\"" + perEvent + "\"");
        }
    }

    @Test
    void aPollThatHangsMakesTheStreamNotReadyUntilOneCompletes() throws Exception {
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        stubEvents(eventsAnswer().withFixedDelay(8000));
        JsonNode down = awaitDown("pta-stream:security-events");
        assertThat(check(down, "pta-stream:security-events").path("message").asText())
                .startsWith("security-events: no poll completed successfully for 2 intervals of its cron (one has been running since")
                .contains("; last successful poll: none since start-up at ");
        assertThat(health("/observe/health/live").status()).isEqualTo(200);
        assertThat(gauge("pta_poll_consecutive_failures", "stream", "security-events")).isZero();

        stubEvents(eventsAnswer());
        await("readiness UP once the poll completes").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(ready().status()).isEqualTo(200));
    }

    @Test
    void aSchedulerThatStopsFiringMakesTheStreamNotReadyUntilItFiresAgain() throws Exception {
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        await("a successful poll").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(ready().status()).isEqualTo(200));
        Scheduler quartz = context.getComponent("quartz", QuartzComponent.class).getScheduler();

        quartz.standby();
        JsonNode down = awaitDown("pta-stream:security-events");
        assertThat(check(down, "pta-stream:security-events").path("message").asText())
                .startsWith("security-events: no poll completed successfully for 2 intervals of its cron (none has started since")
                .contains(": the scheduler does not fire); last successful poll: 20");
        assertThat(health("/observe/health/live").status()).isEqualTo(200);

        quartz.start();
        await("readiness UP once polls run again").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(ready().status()).isEqualTo(200));
    }

    private WireMockServer startPvwa() {
        WireMockServer server = new WireMockServer(wireMockConfig().port(pvwaPort).bindAddress("127.0.0.1"));
        server.start();
        server.stubFor(post(urlPathMatching("/PasswordVault/API/auth/[A-Za-z]+/Logon")).willReturn(okJson("\"token-abc123\"")));
        server.stubFor(post(urlPathEqualTo("/PasswordVault/API/Auth/Logoff")).willReturn(okJson("{}")));
        server.stubFor(get(urlPathEqualTo(EVENTS)).willReturn(eventsAnswer()));
        return server;
    }

    private void stubEvents(ResponseDefinitionBuilder answer) {
        pvwa.stubFor(get(urlPathEqualTo(EVENTS)).willReturn(answer));
    }

    private static ResponseDefinitionBuilder eventsAnswer() {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 90.0, EVENT_TIME)));
    }

    private Health ready() throws IOException, InterruptedException {
        return health("/observe/health/ready");
    }

    private Health health(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return new Health(response.statusCode(), JSON.readTree(response.body()));
    }

    /** Waits until readiness answers 503 with this check DOWN; returns the whole answer. */
    private JsonNode awaitDown(String check) {
        return await(check + " DOWN").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(this::ready, r -> r.status() == 503 && r.body().toString().contains("\"name\":\"" + check + "\""))
                .body();
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.path("checks")) {
            if (check.path("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    private String metrics() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/observe/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of a gauge in /observe/metrics, as Prometheus reads it. */
    private double gauge(String name, String tag, String value) throws IOException, InterruptedException {
        String text = metrics();
        Pattern line = Pattern.compile("^" + name + "\\{[^}]*" + tag + "=\"" + value + "\"[^}]*} (\\S+)$", Pattern.MULTILINE);
        Matcher match = line.matcher(text);
        List<String> values = new ArrayList<>();
        while (match.find()) {
            values.add(match.group(1));
        }
        assertThat(values).as("%s{%s=\"%s\"} in /observe/metrics", name, tag, value).hasSize(1);
        return Double.parseDouble(values.get(0));
    }

    /** pta_sink_deliveries_total of one sink and outcome, as Prometheus reads it (0 when not counted yet). */
    private double deliveries(String sink, String outcome) throws IOException, InterruptedException {
        double sum = 0;
        for (String line : metrics().split("\n")) {
            if (line.startsWith("pta_sink_deliveries_total{") && line.contains("sink=\"" + sink + "\"")
                && line.contains("outcome=\"" + outcome + "\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a health endpoint answered: the HTTP status and the JSON body. */
    private record Health(int status, JsonNode body) {
    }
}
