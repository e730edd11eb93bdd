package io.ptarouter.sink;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>One connection serves every poll. When it fails (the broker stopped, the network broke), the
 * acknowledgements of the messages in flight will never come: they are reported failed at once,
 * rather than after {@code acknowledgementTimeout}, so the poll and the other sinks go on, and the
 * next batch opens a new connection.
 */
public final class JmsBatches implements AutoCloseable {

    /** Artemis' duplicate-detection property (org.apache.activemq.artemis.api.core.Message.HDR_DUPLICATE_DETECTION_ID). */
    public static final String DUPLICATE_ID = "_AMQ_DUPL_ID";
    private static final String SINK = "jms";
    private static final String SUFFIX = "/" + SINK;

    private final ConnectionFactory connections;
    private final String queue;
    private final int maxInFlight;
    private final Duration acknowledgementTimeout;
    /** The shared connection, or null before the first batch and after it failed; guarded by this. */
    private JMSContext connection;
    /** A failed connection not yet closed: a JMS client may not close it from its own exception listener; guarded by this. */
    private JMSContext failedConnection;
    private final Set<Batch> batches = ConcurrentHashMap.newKeySet();

    public JmsBatches(ConnectionFactory connections, String queue, int maxInFlight, Duration acknowledgementTimeout) {
        this.connections = connections;
        this.queue = queue;
        this.maxInFlight = maxInFlight;
        this.acknowledgementTimeout = acknowledgementTimeout;
    }

    public void send(Exchange exchange) throws InterruptedException {
        PollLedger ledger = PollTracker.poll(exchange).ledger();
        Batch batch = PollTracker.poll(exchange).batch(SINK, () -> new Batch(ledger, session()));
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

    /** A session on the shared connection, which is opened first if there is none. */
    private synchronized JMSContext session() {
        closeFailedConnection();
        if (connection == null) {
            JMSContext opened = connections.createContext(JMSContext.AUTO_ACKNOWLEDGE);
            try {
                opened.setExceptionListener(e -> connectionFailed(opened, e));
            } catch (RuntimeException e) {
                opened.close();
                throw e;
            }
            connection = opened;
        }
        return connection.createContext(JMSContext.AUTO_ACKNOWLEDGE);
    }

    private void connectionFailed(JMSContext failed, JMSException cause) {
        synchronized (this) {
            if (connection == failed) {
                connection = null;
                failedConnection = failed;
            }
        }
        batches.forEach(batch -> batch.abandon(cause));
    }

    private void closeFailedConnection() {
        if (failedConnection != null) {
            closeQuietly(failedConnection);
            failedConnection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeFailedConnection();
        if (connection != null) {
            closeQuietly(connection);
            connection = null;
        }
    }

    private static void closeQuietly(JMSContext context) {
        try {
            context.close();
        } catch (RuntimeException e) {
            // the connection is gone already
        }
    }

    /** One poll's session and the acknowledgements it still waits for. */
    private final class Batch implements PollBatch, CompletionListener {

        private final PollLedger ledger;
        private final JMSContext jms;
        private final JMSProducer producer;
        private final Queue destination;
        private final Semaphore inFlight = new Semaphore(maxInFlight);
        /** Sent, not yet acknowledged nor reported failed: each holds one permit of {@link #inFlight}. */
        private final Set<Message> unacknowledged = ConcurrentHashMap.newKeySet();
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        Batch(PollLedger ledger, JMSContext jms) {
            this.ledger = ledger;
            this.jms = jms;
            this.producer = jms.createProducer().setDeliveryMode(DeliveryMode.PERSISTENT).setAsync(this);
            this.destination = jms.createQueue(queue);
            batches.add(this);
        }

        void send(TextMessage message) throws InterruptedException {
            if (failure.get() != null) {
                throw new JMSRuntimeException("the connection to the broker failed: " + failure.get().getMessage());
            }
            if (!inFlight.tryAcquire(acknowledgementTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new JMSRuntimeException("the broker acknowledged no message for " + acknowledgementTimeout);
            }
            unacknowledged.add(message);
            try {
                producer.send(destination, message);
            } catch (RuntimeException e) {
                if (unacknowledged.remove(message)) {
                    inFlight.release();
                }
                throw e;
            }
        }

        @Override
        public void onCompletion(Message message) {
            if (unacknowledged.remove(message)) {
                try {
                    ledger.delivered(keyOf(message), SINK);
                } finally {
                    inFlight.release();
                }
            }
        }

        @Override
        public void onException(Message message, Exception exception) {
            failure.compareAndSet(null, exception);
            reportFailed(message, exception);
        }

        /** The connection failed: what is still unacknowledged will never be, and later sends fail at once. */
        void abandon(Exception cause) {
            failure.compareAndSet(null, cause);
            unacknowledged.forEach(message -> reportFailed(message, cause));
        }

        private void reportFailed(Message message, Exception cause) {
            if (unacknowledged.remove(message)) {
                try {
                    ledger.failed(keyOf(message), SINK, textOf(message), cause, false);
                } finally {
                    inFlight.release();
                }
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
            try {
                if (!inFlight.tryAcquire(maxInFlight, acknowledgementTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    abandon(new IOException("no acknowledgement within " + acknowledgementTimeout));
                    throw new IOException("the broker did not acknowledge " + (maxInFlight - inFlight.availablePermits())
                                          + " JMS messages to " + queue + " within " + acknowledgementTimeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon(e);
                throw new IOException("interrupted while waiting for JMS acknowledgements", e);
            } finally {
                batches.remove(this);
                closeQuietly(jms);
            }
            if (failure.get() != null) {
                throw new IOException("the broker refused a JMS message to " + queue + ": " + failure.get().getMessage(),
                        failure.get());
            }
        }
    }
}
