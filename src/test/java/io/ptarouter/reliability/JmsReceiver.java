package io.ptarouter.reliability;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.postoffice.RoutingStatus;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * A real Artemis broker in the test JVM, as the app's external broker: TCP on loopback, a persistent journal, and
 * duplicate detection on (Artemis' default). Two tallies: every send that reached the broker, by the
 * {@code _AMQ_DUPL_ID} it carried (a broker plugin sees the re-sends the duplicate detection then drops), and every
 * message a consumer took off the queue, by the envelope's version and its {@code _AMQ_DUPL_ID}.
 */
final class JmsReceiver implements AutoCloseable {

    static final String QUEUE = "pta.events";
    private static final String DUPLICATE_ID = "_AMQ_DUPL_ID";

    private final EmbeddedActiveMQ broker;
    private final int port;
    private final DeliveryTally sends;
    private final DeliveryTally consumed;
    private final Connection connection;

    JmsReceiver(Path dataDirectory, int port) throws Exception {
        this(dataDirectory, port, new DeliveryTally(), new DeliveryTally());
    }

    /** A broker that carries on the tallies of an earlier one, as the same broker started again. */
    JmsReceiver(Path dataDirectory, int port, DeliveryTally sends, DeliveryTally consumed) throws Exception {
        this.port = port;
        this.sends = sends;
        this.consumed = consumed;
        Configuration config = new ConfigurationImpl()
                .setName("crash-loop-broker")
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + port);
        config.setBrokerInstance(dataDirectory.toFile()); // journal, bindings, paging, large messages in <it>/data/
        config.registerBrokerPlugin(new SendCounter());
        broker = new EmbeddedActiveMQ().setConfiguration(config);
        broker.start();
        connection = new ActiveMQConnectionFactory(brokerUrl()).createConnection();
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer = session.createConsumer(session.createQueue(QUEUE));
        consumer.setMessageListener(this::tally);
        connection.start();
    }

    String brokerUrl() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Every send the broker received, accepted or dropped as a duplicate. */
    DeliveryTally sends() {
        return sends;
    }

    /** Every message consumed from the queue. */
    DeliveryTally consumed() {
        return consumed;
    }

    /** Messages on the queue not yet consumed and acknowledged. */
    long backlog() {
        Queue queue = broker.getActiveMQServer().locateQueue(SimpleString.of(QUEUE));
        return queue == null ? 0 : queue.getMessageCount() + queue.getDeliveringCount();
    }

    private void tally(Message message) {
        try {
            String duplicateId = text(message.getObjectProperty(DUPLICATE_ID));
            String body = message instanceof TextMessage text ? text.getText() : null;
            Envelopes.deliveryKey(body == null ? "" : body)
                    .ifPresentOrElse(key -> consumed.record(key, duplicateId), consumed::recordUnreadable);
        } catch (JMSException | RuntimeException e) {
            consumed.recordUnreadable();
        }
    }

    private static String text(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }

    /** Sees each send before duplicate detection drops it. */
    private final class SendCounter implements ActiveMQServerMessagePlugin {

        @Override
        public void afterSend(ServerSession session, Transaction tx, org.apache.activemq.artemis.api.core.Message message,
                              boolean direct, boolean noAutoCreateQueue, RoutingStatus result) throws ActiveMQException {
            if (!QUEUE.equals(message.getAddress())) {
                return;
            }
            String duplicateId = text(message.getDuplicateProperty());
            if (duplicateId != null && duplicateId.endsWith("/jms")) {
                sends.record(duplicateId.substring(0, duplicateId.length() - "/jms".length()), duplicateId);
            } else {
                sends.recordUnreadable();
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            connection.close();
        } finally {
            broker.stop();
        }
    }
}
