package io.ptarouter.sink;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.jms.CompletionListener;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSProducer;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;

import org.apache.camel.Exchange;

import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollLedger;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;

/**
 * The JMS sink: persistent text messages, the pta* metadata as properties for selectors. A poll
 * sends asynchronously (JMS 2.0 completion listeners), with at most {@code maxInFlight} messages
 * the broker has not yet acknowledged, and waits for every acknowledgement when it ends, before
 * the watermark moves: the broker's journal syncs cover many messages instead of one each. Each
 * message carries Artemis' duplicate-detection id, derived from the event version, so a message
 * sent again after a failure or a restart is dropped by the broker. Each acknowledgement is reported
 * to the poll's ledger; a message the broker never acknowledged stays owed and is sent again. (Transactions would batch too,
 * but Artemis fails a whole commit for one duplicate, taking the new messages with it.)
 */
public final class JmsBatches {

    /** Artemis' duplicate-detection property (org.apache.activemq.artemis.api.core.Message.HDR_DUPLICATE_DETECTION_ID). */
    public static final String DUPLICATE_ID = "_AMQ_DUPL_ID";
    private static final String SINK = "jms";
    private static final String SUFFIX = "/" + SINK;

    private final ConnectionFactory connections;
    private final String queue;
    private final int maxInFlight;
    private final Duration acknowledgementTimeout;

    public JmsBatches(ConnectionFactory connections, String queue, int maxInFlight, Duration acknowledgementTimeout) {
        this.connections = connections;
        this.queue = queue;
        this.maxInFlight = maxInFlight;
        this.acknowledgementTimeout = acknowledgementTimeout;
    }

    public void send(Exchange exchange) throws InterruptedException {
        PollLedger ledger = PollTracker.poll(exchange).ledger();
        Batch batch = PollTracker.poll(exchange).batch(SINK, () -> new Batch(ledger));
        TextMessage message = batch.jms.createTextMessage(exchange.getMessage().getBody(String.class));
        try {
            for (Map.Entry<String, Object> header : exchange.getMessage().getHeaders().entrySet()) {
                if (header.getKey().startsWith("pta") && header.getValue() != null) {
                    message.setObjectProperty(header.getKey(), header.getValue());
                }
            }
            message.setStringProperty(DUPLICATE_ID,
                    exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class) + SUFFIX);
        } catch (JMSException e) {
            throw new JMSRuntimeException(e.getMessage(), e.getErrorCode(), e);
        }
        batch.send(message);
    }

    /** One poll's session and the acknowledgements it still waits for. */
    private final class Batch implements PollBatch, CompletionListener {

        private final PollLedger ledger;
        private final JMSContext jms = connections.createContext(JMSContext.AUTO_ACKNOWLEDGE);
        private final JMSProducer producer = jms.createProducer().setDeliveryMode(DeliveryMode.PERSISTENT).setAsync(this);
        private final Queue destination = jms.createQueue(queue);
        private final Semaphore inFlight = new Semaphore(maxInFlight);
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        Batch(PollLedger ledger) {
            this.ledger = ledger;
        }

        void send(TextMessage message) throws InterruptedException {
            if (!inFlight.tryAcquire(acknowledgementTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new JMSRuntimeException("the broker acknowledged no message for " + acknowledgementTimeout);
            }
            try {
                producer.send(destination, message);
            } catch (RuntimeException e) {
                inFlight.release();
                throw e;
            }
        }

        @Override
        public void onCompletion(Message message) {
            try {
                ledger.delivered(keyOf(message), SINK);
            } finally {
                inFlight.release();
            }
        }

        @Override
        public void onException(Message message, Exception exception) {
            try {
                failure.compareAndSet(null, exception);
                ledger.failed(keyOf(message), SINK, textOf(message), exception, false);
            } finally {
                inFlight.release();
            }
        }

        private static String keyOf(Message message) {
            try {
                String id = message.getStringProperty(DUPLICATE_ID);
                return id.substring(0, id.length() - SUFFIX.length());
            } catch (JMSException e) {
                throw new JMSRuntimeException(e.getMessage(), e.getErrorCode(), e);
            }
        }

        private static String textOf(Message message) {
            try {
                return ((TextMessage) message).getText();
            } catch (JMSException e) {
                return null;
            }
        }

        @Override
        public void complete() throws IOException {
            try (jms) {
                if (!inFlight.tryAcquire(maxInFlight, acknowledgementTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IOException("the broker did not acknowledge " + (maxInFlight - inFlight.availablePermits())
                                          + " JMS messages to " + queue + " within " + acknowledgementTimeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for JMS acknowledgements", e);
            }
            if (failure.get() != null) {
                throw new IOException("the broker refused a JMS message to " + queue + ": " + failure.get().getMessage(),
                        failure.get());
            }
        }
    }
}
