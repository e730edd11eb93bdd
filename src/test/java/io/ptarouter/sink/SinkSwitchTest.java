package io.ptarouter.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;

import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ptarouter.state.Watermarks;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/** Each sink can be switched off on its own, and one failing sink does not hold up the others. */
class SinkSwitchTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    /** A broker of the test's own, so "nothing reached the queue" is checked on a live queue. */
    private static final String OWN_BROKER = "vm://7";

    private EmbeddedActiveMQ ownBroker;

    @Override
    protected Map<String, String> settings() {
        String test = getCurrentTestName();
        if (test.startsWith("withEmailAndWebhookOff")) {
            return Map.of("pta.sink.email.enabled", "false", "pta.sink.webhook.enabled", "false");
        }
        if (test.startsWith("withJmsOff")) {
            return Map.of("pta.sink.jms.enabled", "false", "pta.sink.jms.broker-url", OWN_BROKER);
        }
        if (test.startsWith("withFileOff")) {
            return Map.of("pta.sink.file.enabled", "false");
        }
        return Map.of();
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        if (getCurrentTestName().startsWith("withJmsOff")) {
            ownBroker = new EmbeddedActiveMQ().setConfiguration(new ConfigurationImpl()
                    .setPersistenceEnabled(false).setSecurityEnabled(false)
                    .addAcceptorConfiguration("in-vm", OWN_BROKER));
            ownBroker.start();
        }
        return super.createCamelContext();
    }

    @Override
    protected void doPostTearDown() throws Exception {
        if (ownBroker != null) {
            ownBroker.stop();
            ownBroker = null;
        }
    }

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
    }

    @Test
    void withEmailAndWebhookOffAHighEventReachesOnlyFileAndJms() throws Exception {
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 92.0, NOW.toEpochMilli())));

        poll(STREAM);

        assertThat(sinksThatReceived(STREAM, Events.id(1))).containsExactlyInAnyOrder("file", "jms");
        assertThat(SMTP.getReceivedMessages()).isEmpty();
        assertThat(WEBHOOK.getAllServeEvents()).isEmpty();
    }

    @Test
    void withJmsOffNothingReachesTheQueueWhileFileEmailAndWebhookDeliver() throws Exception {
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 92.0, NOW.toEpochMilli())));

        poll(STREAM);

        // sinksThatReceived would read the embedded broker, which is not started here
        assertThat(fileEnvelopes(STREAM)).extracting(e -> e.path("metadata").path("id").asText())
                .containsExactly(Events.id(1));
        assertThat(mails()).hasSize(1);
        assertThat(webhookRequests()).extracting(r -> r.getHeader("X-Pta-Event-Id")).containsExactly(Events.id(1));
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(OWN_BROKER);
             JMSContext jms = factory.createContext();
             JMSConsumer consumer = jms.createConsumer(jms.createQueue(QUEUE))) {
            assertThat(consumer.receive(1000)).as("a message on %s", QUEUE).isNull();
        }
    }

    @Test
    void withFileOffNoFileIsWritten() throws Exception {
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 92.0, NOW.toEpochMilli())));

        poll(STREAM);

        assertThat(sinksThatReceived(STREAM, Events.id(1))).containsExactlyInAnyOrder("jms", "email", "webhook");
        if (Files.exists(work.resolve("events"))) {
            try (Stream<Path> files = Files.list(work.resolve("events"))) {
                assertThat(files).as("files in %s", work.resolve("events")).isEmpty();
            }
        }
    }

    @Test
    void aFailingWebhookDoesNotStopTheOtherDeliveriesOfTheEventOrTheOtherEventsOfThePoll() throws Exception {
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(serverError()));
        long t = NOW.toEpochMilli();
        stubSecurityEvents(Events.array(
                Events.security(Events.id(1), "SuspectedCredentialsTheft", 92.0, t),
                Events.security(Events.id(2), "PSMSuspiciousActivity", 50.0, t + 1),
                Events.security(Events.id(3), "VaultViaIrregularIp", 80.0, t + 2),
                Events.security(Events.id(4), "PSMSuspiciousActivity", 10.0, t + 3)));

        poll(STREAM);

        assertThat(webhookRequests()).as("three attempts (two redeliveries) per medium or high event")
                .extracting(r -> r.getHeader("X-Pta-Event-Id"))
                .containsOnly(Events.id(1), Events.id(2), Events.id(3)).hasSize(9);
        for (int n = 1; n <= 4; n++) {
            assertThat(sinksThatReceived(STREAM, Events.id(n))).as("event %d", n).contains("file", "jms");
        }
        assertThat(sinksThatReceived(STREAM, Events.id(1))).contains("email");
        assertThat(sinksThatReceived(STREAM, Events.id(3))).contains("email");
        assertThat(fileEnvelopes(STREAM)).hasSize(4);
        assertThat(jmsMessages()).hasSize(4);
        assertThat(mails()).hasSize(2);
        assertThat(context.getRegistry().lookupByNameAndType("ptaWatermarks", Watermarks.class).get(STREAM))
                .as("the poll went on to its end, and the watermark stays below the oldest event the webhook still owes")
                .hasValue(t - 1);
    }

}
