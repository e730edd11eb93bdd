package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.sink.EmbeddedBroker;
import io.ptarouter.sink.MailTransportPool;
import io.ptarouter.sink.SinkLanes;
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

    private PtaSimulator simulator;
    private CamelContext context;

    @BeforeEach
    void start() throws Exception {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
        context = new DefaultCamelContext();
        // No pta.* property: the Kamelet's parameters are all the host gives.
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("kamelet:pta-security-events-source/soc-feed?job=soc-feed&cron=0+0+0+1+1+?+2099"
                        + "&baseUrl=" + simulator.baseUrl() + "&allowPlainHttp=true"
                        + "&username=" + simulator.options().username() + "&password=RAW(" + simulator.options().password() + ")"
                        + "&dataDirectory=" + work.resolve("data"))
                        .routeId("soc-collector")
                        .to("mock:soc");
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
                "ptaWebhookLanes", "ptaWebhookTransport", "ptaNdjsonFiles", "ptaKeepOriginalEvent")) {
            assertThat(context.getRegistry().lookupByName(sinkBean)).as(sinkBean).isNull();
        }
        assertThat(context.hasServices(EmbeddedBroker.class)).as("no embedded broker").isEmpty();
        assertThat(context.hasServices(SinkLanes.class)).as("no mail or webhook lanes").isEmpty();
        assertThat(context.hasServices(MailTransportPool.class)).as("no mail pool").isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .as("no broker thread").noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT).contains("artemis"));
        assertThat(context.getRoutes()).extracting(r -> r.getRouteId())
                .containsExactlyInAnyOrder("soc-collector", "soc-feed", "pta-get", "pta-call", "pta-patch", "pta-accept-event");
        assertThat(work.resolve("events")).doesNotExist();
    }
}
