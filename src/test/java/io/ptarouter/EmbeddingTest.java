package io.ptarouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.config.PtaRouterConfiguration;
import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.testing.PollWatcher;

/**
 * pta-router inside someone else's Camel deployment: a plain CamelContext, not this project's
 * Main, loads the routes shipped in the jar (classpath:routes/), or takes only the PTA source Kamelet
 * with its own route after it.
 */
class EmbeddingTest {

    private static final String NEVER = "0 0 0 1 1 ? 2099";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private PtaSimulator simulator;
    private CamelContext context;

    @BeforeEach
    void start() {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
        context = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("pta.base-url", simulator.baseUrl());
        p.setProperty("pta.http.allow-plain-http", "true");
        p.setProperty("pta.auth.username", simulator.options().username());
        p.setProperty("pta.auth.password", simulator.options().password());
        p.setProperty("pta.security-events.cron", NEVER);
        p.setProperty("pta.risk-events.cron", NEVER);
        p.setProperty("pta.sink.file.directory", work.resolve("events").toString());
        p.setProperty("pta.sink.rejected.directory", work.resolve("rejected").toString());
        p.setProperty("pta.sink.jms.embedded.data-directory", work.resolve("artemis").toString());
        p.setProperty("pta.state.jdbc-url", "jdbc:h2:file:" + work.resolve("state/pta-router"));
        p.setProperty("pta.delivery.dead-letter-directory", work.resolve("dead-letter").toString());
        context.getPropertiesComponent().setLocation("classpath:application.properties");
        context.getPropertiesComponent().setOverrideProperties(p);
    }

    @AfterEach
    void stop() throws Exception {
        context.close();
        simulator.close();
    }

    @Test
    void theShippedRoutesRunInAPlainCamelContext() throws Exception {
        new PtaRouterConfiguration().configure(context);
        Collection<Resource> routes = PluginHelper.getPackageScanResourceResolver(context)
                .findResources("classpath:routes/*.camel.yaml");
        assertThat(routes).extracting(Resource::getLocation).anyMatch(l -> l.endsWith("poll.camel.yaml"));
        PluginHelper.getRoutesLoader(context).loadRoutes(routes);
        PollWatcher polls = PollWatcher.watch(context);
        context.start();

        polls.poll(context, "security-events", "pta-security-events");

        try (var files = Files.list(work.resolve("events"))) {
            List<String> lines = Files.readAllLines(files.findFirst().orElseThrow());
            assertThat(lines).hasSize(simulator.securityEventCount());
        }
    }

    @Test
    void theSourceKameletDeliversClassifiedEventsToTheEmbeddersOwnRoute() throws Exception {
        // A lambda, not a RouteBuilder class: Camel Main scans this package for those and would load it in the app's tests.
        RouteBuilder.addRoutes(context, routes -> routes
                .from("kamelet:pta-security-events-source/my-pta-feed?job=my-pta-feed&cron=" + NEVER.replace(' ', '+')
                        + "&baseUrl={{pta.base-url}}&allowPlainHttp=true")
                .to("mock:soc-feed"));
        PollWatcher polls = PollWatcher.watch(context);
        context.start();
        MockEndpoint feed = context.getEndpoint("mock:soc-feed", MockEndpoint.class);
        feed.expectedMessageCount(simulator.securityEventCount());

        polls.poll(context, "my-pta-feed", "my-pta-feed");

        feed.assertIsSatisfied(10_000);
        Exchange first = feed.getReceivedExchanges().get(0);
        assertThat(first.getMessage().getHeader("ptaSeverity", String.class)).isIn("low", "medium", "high", "unknown");
        JsonNode envelope = JSON.readTree(first.getMessage().getBody(String.class));
        assertThat(envelope.path("metadata").path("stream").asText()).isEqualTo("security-events");
        assertThat(envelope.path("event").path("id").asText()).isEqualTo(envelope.path("metadata").path("id").asText());
        // The app's own router and sinks were not loaded, so nothing was written anywhere.
        assertThat(work.resolve("events")).doesNotExist();
    }

}
