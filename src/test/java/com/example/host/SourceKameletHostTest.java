package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.config.InvalidConfigurationException;
import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.sink.EmbeddedBroker;
import io.ptarouter.sink.MailTransportPool;
import io.ptarouter.sink.SinkLanes;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.PollWatcher;

/**
 * A host that has only pta-router's jar on its classpath and its own CamelContext: one route,
 * {@code from("kamelet:pta-security-events-source?...")}, no call into pta-router's code. In a package
 * of its own, as a host's code is (Camel Main scans io.ptarouter for RouteBuilders).
 */
class SourceKameletHostTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private PtaSimulator simulator;
    private CamelContext context;

    /** A password with the characters an endpoint URI would otherwise take apart, given as RAW(...). */
    private static final String PASSWORD = "S3cr3t&pass+word=99%";
    private static final String NEVER = "0+0+0+1+1+?+2099";

    @BeforeEach
    void start() throws Exception {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO)
                .withCredentials("soc-reader", PASSWORD));
        context = new DefaultCamelContext();
        // No pta.* property: the Kamelet's parameters are all the host gives, the password as a reference to a property
        // of the host's own (Camel's route dump writes a password written into the URI, RAW() or {{...}}, as it is).
        Properties hostProperties = new Properties();
        hostProperties.setProperty("soc.pvwa.password", PASSWORD);
        context.getPropertiesComponent().setInitialProperties(hostProperties);
        host(source("pta-security-events-source", "soc-feed", simulator.baseUrl(), "#property:soc.pvwa.password") + "&cron=" + NEVER);
    }

    /** The source Kamelet's URI as a host writes it, without a cron. */
    private String source(String kamelet, String job, String baseUrl, String password) {
        return "kamelet:" + kamelet + "/" + job + "?job=" + job + "&baseUrl=" + baseUrl + "&allowPlainHttp=true"
                + "&username=soc-reader&password=RAW(" + password + ")&dataDirectory=" + work.resolve("data");
    }

    private void host(String... sources) throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (int i = 0; i < sources.length; i++) {
                    from(sources[i]).routeId(i == 0 ? "soc-collector" : "soc-collector-" + i).to("mock:soc");
                }
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        context.close();
        simulator.close();
    }

    @Test
    void theSourceKameletDeliversEachEventOnceWithItsEnvelopeAndHeaders() throws Exception {
        PollWatcher polls = PollWatcher.watch(context);
        context.start();
        MockEndpoint soc = context.getEndpoint("mock:soc", MockEndpoint.class);
        soc.expectedMessageCount(simulator.securityEventCount());

        polls.poll(context, "soc-feed", "soc-feed");

        soc.assertIsSatisfied(10_000);
        assertThat(polls.failures()).isEmpty();
        List<Exchange> received = soc.getReceivedExchanges();
        assertThat(received).extracting(e -> e.getMessage().getHeader("ptaEventId", String.class))
                .doesNotContainNull().doesNotHaveDuplicates();
        for (Exchange exchange : received) {
            assertThat(exchange.getMessage().getHeader("ptaStream")).isEqualTo("security-events");
            assertThat(exchange.getMessage().getHeader("ptaSeverity", String.class)).isIn("low", "medium", "high", "unknown");
            assertThat(exchange.getMessage().getHeader("ptaEventType", String.class)).isNotBlank();
            JsonNode envelope = JSON.readTree(exchange.getMessage().getBody(String.class));
            assertThat(envelope.path("metadata").path("stream").asText()).isEqualTo("security-events");
            assertThat(envelope.path("event").path("id").asText())
                    .isEqualTo(exchange.getMessage().getHeader("ptaEventId", String.class));
        }

        soc.reset();
        soc.expectedMessageCount(0);
        polls.poll(context, "soc-feed", "soc-feed");
        soc.assertIsSatisfied();
        assertThat(polls.failures()).isEmpty();
    }

    @Test
    void nothingOfTheSinksIsBuiltOrStarted() throws Exception {
        context.start();

        assertThat(context.getRegistry().lookupByName("ptaPolls")).as("the sources' own beans are there").isNotNull();
        for (String sinkBean : List.of("ptaJmsConnectionFactory", "ptaJmsBatches", "ptaMailSender", "ptaEmailLanes",
                "ptaWebhookLanes", "ptaWebhookTransport", "ptaNdjsonFiles", "ptaSyslogBatches")) {
            assertThat(context.getRegistry().lookupByName(sinkBean)).as(sinkBean).isNull();
        }
        assertThat(context.hasServices(EmbeddedBroker.class)).as("no embedded broker").isEmpty();
        assertThat(context.hasServices(SinkLanes.class)).as("no mail or webhook lanes").isEmpty();
        assertThat(context.hasServices(MailTransportPool.class)).as("no mail pool").isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .as("no broker thread").noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT).contains("artemis"));
        assertThat(context.getRoutes()).extracting(r -> r.getRouteId())
                .containsExactlyInAnyOrder("soc-collector", "soc-feed", "pta-get", "pta-call", "pta-patch", "pta-reject-event");
        assertThat(work.resolve("events")).doesNotExist();
    }

    @Test
    void readinessListsTheInstancesStreamWithItsOwnCronAndNoSink() throws Exception {
        context.start();

        Map<String, HealthCheck.Result> readiness = HealthCheckHelper.invokeReadiness(context, "full").stream()
                .collect(Collectors.toMap(r -> r.getCheck().getId(), r -> r));
        assertThat(readiness.keySet()).filteredOn(id -> id.startsWith("pta-"))
                .as("the stream this host polls, no other stream, no sink; what the host's route owes")
                .containsExactly("pta-stream:security-events", "pta-destination");
        HealthCheck.Result stream = readiness.get("pta-stream:security-events");
        assertThat(stream.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(stream.getDetails()).containsEntry("cron", NEVER.replace('+', ' '));
    }

    @Test
    void thePasswordStaysOutOfTheLogTheRouteDumpsAndTheEndpoints() throws Exception {
        // As camel.main.dump-routes=yaml: every route, the Kamelet's too, logged as the context starts.
        context.setDumpRoutes("yaml");
        PollWatcher polls = PollWatcher.watch(context);
        context.start();
        polls.poll(context, "soc-feed", "soc-feed");
        assertThat(polls.failures()).as("the password in RAW() reached the PVWA as it is").isEmpty();
        assertThat(context.getEndpoint("mock:soc", MockEndpoint.class).getReceivedCounter()).isPositive();

        StringBuilder seen = new StringBuilder(log.text());
        context.getRoutes().forEach(route -> seen.append(route.getEndpoint()).append(route.getRouteDescription()));
        context.getEndpoints().forEach(endpoint -> seen.append(endpoint));
        assertThat(seen).as("the dumps and endpoints were looked at").contains("kamelet:", "soc-feed", "password");
        assertThat(seen.toString()).doesNotContain(PASSWORD).doesNotContain("S3cr3t");
    }

    @Test
    void aRefusedPasswordIsReportedWithoutIt() throws Exception {
        context.close();
        context = new DefaultCamelContext();
        String wrong = "Wr0ng&secret+1";
        host(source("pta-security-events-source", "soc-feed", simulator.baseUrl(), wrong) + "&cron=" + NEVER);
        PollWatcher polls = PollWatcher.watch(context);
        context.start();

        polls.poll(context, "soc-feed", "soc-feed");

        assertThat(polls.failures()).singleElement().extracting(Throwable::getMessage).asString()
                .contains("refused").doesNotContain(wrong).doesNotContain("Wr0ng");
        StringBuilder seen = new StringBuilder(log.text());
        context.getRoutes().forEach(route -> seen.append(route.getEndpoint()).append(route.getRouteDescription()));
        context.getEndpoints().forEach(endpoint -> seen.append(endpoint));
        assertThat(seen.toString()).as("RAW() in the kamelet: URI is masked in the log and the endpoints")
                .contains("refused", "password=xxxxxx").doesNotContain("Wr0ng");
    }

    @Test
    void aSecondInstanceForAnotherPvwaFailsStartUpNamingIt() throws Exception {
        context.close();
        context = new DefaultCamelContext();
        host(source("pta-security-events-source", "soc-feed", simulator.baseUrl(), PASSWORD) + "&cron=" + NEVER,
                source("pta-risk-events-source", "soc-risks", "http://127.0.0.1:1", PASSWORD) + "&cron=" + NEVER);

        assertThatThrownBy(context::start).rootCause().isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("kamelet:pta-risk-events-source parameter baseUrl")
                .hasMessageContaining(simulator.baseUrl()).hasMessageContaining("http://127.0.0.1:1")
                .hasMessageContaining("one PVWA session").message().doesNotContain(PASSWORD);
    }

    @Test
    void aSecondInstanceOfTheSameStreamFailsStartUp() throws Exception {
        context.close();
        context = new DefaultCamelContext();
        host(source("pta-security-events-source", "soc-feed", simulator.baseUrl(), PASSWORD) + "&cron=" + NEVER,
                source("pta-security-events-source", "soc-feed-2", simulator.baseUrl(), PASSWORD) + "&cron=" + NEVER);

        assertThatThrownBy(context::start).rootCause().isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("security-events stream is polled by the route of kamelet:pta-security-events-source");
    }

    @Test
    void bothStreamsShareOneSessionAndEachReportsReadiness() throws Exception {
        context.close();
        context = new DefaultCamelContext();
        host(source("pta-security-events-source", "soc-feed", simulator.baseUrl(), PASSWORD) + "&cron=" + NEVER,
                source("pta-risk-events-source", "soc-risks", simulator.baseUrl(), PASSWORD) + "&cron=0+0+0+1+1+?+2098");
        PollWatcher polls = PollWatcher.watch(context);
        context.start();

        polls.poll(context, "soc-feed", "soc-feed");
        polls.poll(context, "soc-risks", "soc-risks");

        assertThat(polls.failures()).isEmpty();
        assertThat(context.getEndpoint("mock:soc", MockEndpoint.class).getReceivedExchanges())
                .extracting(e -> e.getMessage().getHeader("ptaStream", String.class))
                .containsOnly("security-events", "risk-events").filteredOn("security-events"::equals)
                .hasSize(simulator.securityEventCount());
        Map<String, HealthCheck.Result> readiness = HealthCheckHelper.invokeReadiness(context, "full").stream()
                .collect(Collectors.toMap(r -> r.getCheck().getId(), r -> r));
        assertThat(readiness.get("pta-stream:risk-events").getDetails()).containsEntry("cron", "0 0 0 1 1 ? 2098");
        assertThat(readiness.keySet()).filteredOn(id -> id.startsWith("pta-sink")).isEmpty();
    }

    @Test
    void theUpdateSinkAloneTakesThePvwaFromItsParameters() throws Exception {
        context.close();
        context = new DefaultCamelContext();
        Properties hostProperties = new Properties();
        hostProperties.setProperty("soc.pvwa.password", PASSWORD);
        context.getPropertiesComponent().setInitialProperties(hostProperties);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:soc-close").routeId("soc-close")
                        .to("kamelet:pta-event-update-sink?baseUrl=" + simulator.baseUrl() + "&allowPlainHttp=true"
                                + "&username=soc-reader&password=#property:soc.pvwa.password&dataDirectory=" + work.resolve("data"));
            }
        });
        context.start();
        String id = simulator.securityEventVersions().keySet().iterator().next();

        Exchange answer = context.createProducerTemplate().request("direct:soc-close", e -> e.getMessage()
                .setBody("{\"id\":\"" + id + "\",\"status\":\"CLOSED\",\"closeReason\":\"HANDLED\"}"));

        assertThat(answer.getMessage().getHeader("ptaUpdateStatus", Integer.class)).isEqualTo(200);
        assertThat(JSON.readTree(answer.getMessage().getBody(String.class)).toString()).contains("CLOSED");
        assertThat(context.getRegistry().lookupByName("ptaJmsBatches")).isNull();
        assertThat(log.text()).doesNotContain("S3cr3t");
    }
}
