package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import jakarta.jms.BytesMessage;
import jakarta.jms.Message;

import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * With {@code pta.sink.jms.message-type=bytes} a JMS consumer gets a BytesMessage of the event's UTF-8 bytes, with the
 * same pta* properties as a TextMessage (the default, in {@link JmsSinkTest}).
 */
class JmsBytesMessageTest extends RouterTestSupport {

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.jms.message-type", "BYTES");
    }

    @Test
    void eachEventIsABytesMessageOfItsUtf8TextWithPtaProperties() throws Exception {
        stubLogon(TOKEN);
        long t = NOW.toEpochMilli();
        stubSecurityEvents(Events.array(
                Events.security(Events.id(1), "VaultViaIrregularIp", 80.0, t),
                Events.security(Events.id(2), "PSMSuspiciousActivity", 50.5, t + 1)));

        poll("security-events");

        List<Message> messages = JmsSinkTest.receive(QUEUE, null);
        assertThat(messages).hasSize(2);
        for (Message message : messages) {
            assertThat(message).isInstanceOf(BytesMessage.class);
            BytesMessage bytes = (BytesMessage) message;
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.readBytes(body);
            String text = new String(body, StandardCharsets.UTF_8);
            assertThat(JSON.readTree(text).path("event").path("id").asText()).isEqualTo(message.getStringProperty("ptaEventId"));
            assertThat(message.getStringProperty("ptaStream")).isEqualTo("security-events");
            assertThat(message.getObjectProperty("ptaScore")).isInstanceOf(Double.class);
        }
    }
}
