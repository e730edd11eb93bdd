package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.config.PtaRouterConfiguration;
import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.sink.EmbeddedBroker;
import io.ptarouter.sink.MailTransportPool;
import io.ptarouter.sink.SinkLanes;
import io.ptarouter.testing.PollWatcher;

/**
 * A host that embeds pta-router's router and sinks (its configuration and routes/*.camel.yaml) in its own
 * CamelContext: only the enabled sinks' beans are built, and a host's own JMS ConnectionFactory is taken
 * instead of pta-router's embedded broker.
 */
class SinkWiringHostTest {

    private static final String NEVER = "0 0 0 1 1 ? 2099";
    private static final List<String> ROUTES = List.of("poll", "dispatch", "sinks");

    @TempDir
    Path work;

    private PtaSimulator simulator;
    private CamelContext context;
    private final List<AutoCloseable> hostResources = new ArrayList<>();

    @BeforeEach
    void start() {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
        context = new DefaultCamelContext();
    }

    @AfterEach
    void stop() throws Exception {
        context.close();
        for (AutoCloseable resource : hostResources) {
            resource.close();
        }
        simulator.close();
    }

    private void embed(Map<String, String> settings) throws Exception {
        Properties p = new Properties();
        p.setProperty("pta.base-url", simulator.baseUrl());
        p.setProperty("pta.http.allow-plain-http", "true");
        p.setProperty("pta.auth.username", simulator.options().username());
        p.setProperty("pta.auth.password", simulator.options().password());
        p.setProperty("pta.security-events.cron", NEVER);
        p.setProperty("pta.risk-events.enabled", "false");
        p.setProperty("pta.sink.file.directory", work.resolve("events").toString());
        p.setProperty("pta.sink.rejected.directory", work.resolve("rejected").toString());
        p.setProperty("pta.sink.jms.embedded.data-directory", work.resolve("artemis").toString());
        p.setProperty("pta.state.jdbc-url", "jdbc:h2:file:" + work.resolve("state/pta-router"));
        p.setProperty("pta.delivery.dead-letter-directory", work.resolve("dead-letter").toString());
        p.putAll(settings);
        context.getPropertiesComponent().setLocation("classpath:application.properties");
        context.getPropertiesComponent().setOverrideProperties(p);
        new PtaRouterConfiguration().configure(context);
        for (String routes : ROUTES) {
            PluginHelper.getRoutesLoader(context).loadRoutes(PluginHelper.getResourceLoader(context)
                    .resolveResource("classpath:routes/" + routes + ".camel.yaml"));
        }
    }

    @Test
    void aHostWithOnlyTheFileSinkGetsNoOtherSinksBeansNorABroker() throws Exception {
        embed(Map.of("pta.sink.jms.enabled", "false"));
        PollWatcher polls = PollWatcher.watch(context);
        context.start();

        polls.poll(context, "security-events", "pta-security-events");

        assertThat(polls.failures()).isEmpty();
        try (var files = Files.list(work.resolve("events"))) {
            assertThat(Files.readAllLines(files.findFirst().orElseThrow())).hasSize(simulator.securityEventCount());
        }
        assertThat(context.getRegistry().lookupByName("ptaNdjsonFiles")).isNotNull();
        List<String> beans = context.getRegistry().findByTypeWithName(Object.class).keySet().stream()
                .filter(name -> name.startsWith("pta")).toList();
        assertThat(beans).as("no bean of the JMS, email, webhook or syslog sink").isNotEmpty()
                .noneMatch(name -> name.matches("(?i)pta.*(jms|mail|email|webhook|syslog).*"));
        assertThat(context.hasServices(EmbeddedBroker.class)).as("no embedded broker").isEmpty();
        assertThat(context.hasServices(SinkLanes.class)).as("no mail or webhook lanes").isEmpty();
        assertThat(context.hasServices(MailTransportPool.class)).as("no mail pool").isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .as("no broker thread").noneMatch(name -> name.toLowerCase(Locale.ROOT).contains("artemis"));
        assertThat(work.resolve("artemis")).as("no broker journal").doesNotExist();
        assertThat(context.getRoutes()).extracting(r -> r.getRouteId())
                .doesNotContain("pta-email-send", "pta-webhook-post");
        Map<String, HealthCheck.Result> readiness = HealthCheckHelper.invokeReadiness(context, "full").stream()
                .collect(Collectors.toMap(r -> r.getCheck().getId(), r -> r));
        assertThat(readiness.keySet()).filteredOn(id -> id.startsWith("pta-sink")).containsExactly("pta-sink:file");
    }

    @Test
    void aHostsOwnConnectionFactoryIsTakenAndNoBrokerOfPtaRoutersStarts() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        EmbeddedActiveMQ hostBroker = new EmbeddedActiveMQ().setConfiguration(new ConfigurationImpl()
                .setName("host-broker").setPersistenceEnabled(false).setSecurityEnabled(false)
                .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + port));
        hostBroker.start();
        hostResources.add(hostBroker::stop);
        ActiveMQConnectionFactory hostFactory = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port);
        hostResources.add(0, hostFactory::close);
        context.getRegistry().bind("hostConnectionFactory", hostFactory);
        embed(Map.of("pta.sink.jms.enabled", "true", "pta.sink.file.enabled", "false", "pta.updates.jms.enabled", "true"));
        PollWatcher polls = PollWatcher.watch(context);
        context.start();

        polls.poll(context, "security-events", "pta-security-events");

        assertThat(polls.failures()).isEmpty();
        assertThat(context.hasServices(EmbeddedBroker.class)).as("no embedded broker of pta-router's").isEmpty();
        assertThat(work.resolve("artemis")).as("no broker journal").doesNotExist();
        assertThat(context.getRegistry().lookupByName("ptaJmsConnectionFactory")).as("no factory of its own").isNull();
        assertThat(context.getComponent("jms", JmsComponent.class).getConnectionFactory())
                .as("the update request queue is read through the host's factory").isSameAs(hostFactory);
        int received = 0;
        try (Connection connection = hostFactory.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue("pta.events"));
            while (consumer.receive(2000) instanceof TextMessage message) {
                assertThat(message.getText()).contains("\"stream\":\"security-events\"");
                received++;
            }
        }
        assertThat(received).as("the events, on the host's broker").isEqualTo(simulator.securityEventCount());
    }
}
