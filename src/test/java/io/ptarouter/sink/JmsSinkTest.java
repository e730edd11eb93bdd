package io.ptarouter.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.Message;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/** What a JMS consumer of the configured queue gets: persistent text messages with selectable pta* properties. */
class JmsSinkTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final String CONFIGURED_QUEUE = "soc.pta.alerts";

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.jms.queue", CONFIGURED_QUEUE);
    }

    @BeforeEach
    void peersAndEvents() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        long t = NOW.toEpochMilli();
        stubSecurityEvents(Events.array(
                Events.security(Events.id(1), "VaultViaIrregularIp", 80.0, t),
                Events.security(Events.id(2), "PSMSuspiciousActivity", 50.5, t + 1),
                Events.security(Events.id(3), "PSMSuspiciousActivity", 10.0, t + 2),
                Events.security(Events.id(4), "InteractiveLogonWithServiceAccount", 99.5, t + 3)));
    }

    @Test
    void eachEventIsAPersistentTextMessageOnTheConfiguredQueueWithPtaProperties() throws Exception {
        poll(STREAM);

        List<Message> messages = receive(CONFIGURED_QUEUE, null);
        assertThat(messages).hasSize(4);
        for (Message message : messages) {
            assertThat(message).isInstanceOf(TextMessage.class);
            assertThat(message.getJMSDeliveryMode()).as("JMSDeliveryMode").isEqualTo(DeliveryMode.PERSISTENT);
            assertThat(((Queue) message.getJMSDestination()).getQueueName()).isEqualTo(CONFIGURED_QUEUE);
            assertThat(message.getStringProperty("ptaStream")).isEqualTo(STREAM);
            assertThat(message.getObjectProperty("ptaScore")).isInstanceOf(Double.class);
            String id = message.getStringProperty("ptaEventId");
            assertThat(JSON.readTree(((TextMessage) message).getText()).path("event").path("id").asText()).isEqualTo(id);
        }
        Message high = messages.stream().filter(m -> id(m).equals(Events.id(1))).findFirst().orElseThrow();
        assertThat(high.getStringProperty("ptaEventType")).isEqualTo("VaultViaIrregularIp");
        assertThat(high.getDoubleProperty("ptaScore")).isEqualTo(80.0);
        assertThat(high.getStringProperty("ptaSeverity")).isEqualTo("high");
        Message medium = messages.stream().filter(m -> id(m).equals(Events.id(2))).findFirst().orElseThrow();
        assertThat(medium.getStringProperty("ptaEventType")).isEqualTo("PSMSuspiciousActivity");
        assertThat(medium.getDoubleProperty("ptaScore")).isEqualTo(50.5);
        assertThat(medium.getStringProperty("ptaSeverity")).isEqualTo("medium");

        assertThat(receive(QUEUE, null)).as("messages on the default queue %s", QUEUE).isEmpty();
    }

    @Test
    void aConsumerSelectingHighSeverityReceivesOnlyTheHighEvents() throws Exception {
        poll(STREAM);

        assertThat(receive(CONFIGURED_QUEUE, "ptaSeverity = 'high'")).extracting(JmsSinkTest::id)
                .containsExactlyInAnyOrder(Events.id(1), Events.id(4));
        assertThat(receive(CONFIGURED_QUEUE, null)).extracting(JmsSinkTest::id)
                .containsExactlyInAnyOrder(Events.id(2), Events.id(3));
    }

    @Test
    void theScoreIsANumberToSelectorsNotAString() throws Exception {
        poll(STREAM);

        assertThat(receive(CONFIGURED_QUEUE, "ptaScore >= 50 AND ptaScore < 90")).extracting(JmsSinkTest::id)
                .containsExactlyInAnyOrder(Events.id(1), Events.id(2));
    }

    /** What a consumer of the queue receives now, with this selector (null: all). */
    static List<Message> receive(String queue, String selector) throws Exception {
        List<Message> received = new ArrayList<>();
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://0");
             JMSContext jms = factory.createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JMSConsumer consumer = jms.createConsumer(jms.createQueue(queue), selector)) {
            // the poll is over, so every message is on the queue; the first wait only covers the consumer's start
            Message message = consumer.receive(1000);
            while (message != null) {
                received.add(message);
                message = consumer.receive(200);
            }
        }
        return received;
    }

    private static String id(Message message) {
        try {
            return message.getStringProperty("ptaEventId");
        } catch (jakarta.jms.JMSException e) {
            throw new IllegalStateException(e);
        }
    }

}
