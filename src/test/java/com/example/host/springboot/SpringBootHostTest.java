package com.example.host.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.annotation.DirtiesContext;

import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.testing.PollWatcher;

/**
 * A Spring Boot application of its own, with its own DataSource bean, that takes the PTA source
 * Kamelet in one route: the events reach its route, and the delivery state is kept in its database.
 * Its settings file is not named application.properties, so pta-router's (in the jar) is not read.
 */
// Spring Boot would start an Artemis broker of its own on vm://0 (its client and server are on this classpath) and
// keep it, with the context, for the other test classes of this JVM: this host has no JMS, and closes after its tests.
@SpringBootTest(classes = SpringBootHostTest.Host.class, properties = "spring.config.name=springboot-host")
@DirtiesContext
class SpringBootHostTest {

    private static final PtaSimulator SIMULATOR =
            PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
    private static final Path WORK;

    static {
        try {
            WORK = Files.createTempDirectory("springboot-host");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SpringBootApplication(exclude = ArtemisAutoConfiguration.class)
    static class Host {

        /** The host's database: the Kamelet keeps its delivery state here rather than opening its own. */
        @Bean
        DataSource hostDatabase() {
            return new DriverManagerDataSource("jdbc:h2:mem:spring-host;DB_CLOSE_DELAY=-1", "sa", "");
        }

        @Bean
        RouteBuilder socFeed() {
            return new RouteBuilder() {
                @Override
                public void configure() {
                    // The host's own Spring properties, given to the Kamelet's parameters.
                    from("kamelet:pta-security-events-source/soc-feed?job=soc-feed&cron=0+0+0+1+1+?+2099"
                            + "&baseUrl={{soc.pvwa.url}}&allowPlainHttp=true&username={{soc.pvwa.user}}"
                            + "&password=RAW({{soc.pvwa.password}})")
                            .routeId("soc-collector")
                            .to("mock:soc");
                }
            };
        }

        @Bean
        PollWatcher pollWatcher(CamelContext context) {
            return PollWatcher.watch(context);
        }
    }

    @DynamicPropertySource
    static void pta(DynamicPropertyRegistry properties) {
        properties.add("soc.pvwa.url", SIMULATOR::baseUrl);
        properties.add("soc.pvwa.user", () -> SIMULATOR.options().username());
        properties.add("soc.pvwa.password", () -> SIMULATOR.options().password());
        properties.add("pta.security-events.cron", () -> "0 0 0 1 1 ? 2099");
        properties.add("pta.risk-events.cron", () -> "0 0 0 1 1 ? 2099");
        properties.add("pta.sink.rejected.directory", () -> WORK.resolve("rejected").toString());
        properties.add("pta.delivery.dead-letter-directory", () -> WORK.resolve("dead-letter").toString());
    }

    @AfterAll
    static void stopSimulator() {
        SIMULATOR.close();
    }

    @Autowired
    CamelContext context;

    @Autowired
    PollWatcher polls;

    @Autowired
    DataSource hostDatabase;

    @Test
    void theHostsRouteReceivesTheEventsAndTheDeliveryStateIsInTheHostsDatabase() throws Exception {
        MockEndpoint soc = context.getEndpoint("mock:soc", MockEndpoint.class);
        soc.expectedMessageCount(SIMULATOR.securityEventCount());

        polls.poll(context, "soc-feed", "soc-feed");

        soc.assertIsSatisfied(10_000);
        assertThat(soc.getReceivedExchanges()).allSatisfy(exchange -> {
            assertThat(exchange.getMessage().getHeader("ptaStream")).isEqualTo("security-events");
            assertThat(exchange.getMessage().getBody(String.class)).contains("\"metadata\"").contains("\"event\"");
        });
        JdbcTemplate database = new JdbcTemplate(hostDatabase);
        assertThat(database.queryForObject("SELECT COUNT(DISTINCT delivery_key) FROM pta_delivery_log", Integer.class))
                .as("each delivered event is recorded in the host's database").isEqualTo(SIMULATOR.securityEventCount());
        assertThat(database.queryForObject("SELECT COUNT(*) FROM pta_watermark", Integer.class)).isEqualTo(1);
        assertThat(WORK.resolve("state")).as("no database of pta-router's own").doesNotExist();
    }
}
