package io.ptarouter.sink;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import java.nio.charset.StandardCharsets;

import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSProducer;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.Queue;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;

import org.apache.camel.Exchange;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.camel.Processor;

import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollLedger;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;

/**
 * The JMS sink: persistent messages, text or the UTF-8 bytes of the text ({@link MessageType}), the pta* metadata
 * as properties for selectors. A poll
 * sends in a transacted session and commits every {@code maxInFlight} messages and when the poll
 * checkpoints or ends, before the watermark moves; the messages of a transaction count as
 * delivered once its commit returns, that is once the broker has them in its journal. One commit
 * and one journal sync serve many messages, and a paging broker keeps one page transaction for
 * them instead of one per message. Each message carries Artemis' duplicate-detection id, derived
 * from the event version, so a message sent again after a failure or a restart is dropped by the
 * broker. Artemis rolls a whole transaction back for one such duplicate; the sink then sends that
 * transaction's messages again one per transaction, and counts a duplicate as delivered, since the
 * broker already has it.
 *
 * <p>The messages are made, sent and committed on a thread of the sink's own: a poll's thread hands them over a few
 * dozen at a time and goes on with its next events while the broker takes these, so Camel's work per event and the
 * broker's overlap (measured in BENCHMARKS.md). That thread keeps each poll's messages in order and each session on one
 * thread, as JMS requires; a poll waits for it at each checkpoint, and at most about {@code maxInFlight} handed-over
 * messages wait for it. It ends when idle.
 *
 * <p>One connection serves every poll. When it fails (the broker stopped, the network broke), the
 * uncommitted messages are reported failed at once, so they stay owed and the poll and the other
 * sinks go on, and the next batch opens a new connection.
 */
public final class JmsBatches implements Processor, AutoCloseable {

    /** Artemis' duplicate-detection property (org.apache.activemq.artemis.api.core.Message.HDR_DUPLICATE_DETECTION_ID). */
    public static final String DUPLICATE_ID = "_AMQ_DUPL_ID";
    private static final String SINK = "jms";
    private static final String SUFFIX = "/" + SINK;

    /** Messages a poll's thread hands to the sending thread at a time (fewer when {@code maxInFlight} is smaller). */
    private static final int HANDOVER = 64;

    /** What a consumer receives: a TextMessage, or a BytesMessage of the UTF-8 bytes (Artemis stores text as UTF-16). */
    public enum MessageType { TEXT, BYTES }

    private final ConnectionFactory connections;
    private final String queue;
    private final int maxInFlight;
    private final MessageType messageType;
    private final SinkBody body;
    /** The shared connection, or null before the first batch and after it failed; guarded by this. */
    private JMSContext connection;
    /** A failed connection not yet closed: a JMS client may not close it from its own exception listener; guarded by this. */
    private JMSContext failedConnection;
    private final Set<Batch> batches = ConcurrentHashMap.newKeySet();
    /** Sends and commits for every poll (see above); its thread ends when idle, so a stopped CamelContext leaves none. */
    private final ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), task -> {
                Thread thread = new Thread(task, "pta-jms-sender");
                thread.setDaemon(true);
                return thread;
            });

    /** {@code maxInFlight}: messages sent in one transaction at most, before it is committed. */
    public JmsBatches(ConnectionFactory connections, String queue, int maxInFlight) {
        this(connections, queue, maxInFlight, MessageType.TEXT);
    }

    public JmsBatches(ConnectionFactory connections, String queue, int maxInFlight, MessageType messageType) {
        this(connections, queue, maxInFlight, messageType, new SinkBody(SinkBody.Format.ENVELOPE, null, null));
    }

    /** {@code body}: what each message holds, as pta.sink.jms.body-format says. */
    public JmsBatches(ConnectionFactory connections, String queue, int maxInFlight, MessageType messageType,
                      SinkBody body) {
        this.body = body;
        this.connections = connections;
        this.queue = queue;
        this.maxInFlight = maxInFlight;
        this.messageType = messageType;
        sender.allowCoreThreadTimeOut(true);
    }

    /** Routes call {@link #send} as a processor: directly, without a bean method call's reflection. */
    @Override
    public void process(Exchange exchange) throws JsonProcessingException {
        send(exchange);
    }

    public void send(Exchange exchange) throws JsonProcessingException {
        Poll poll = PollTracker.poll(exchange);
        String envelope = exchange.getMessage().getBody(String.class);
        String body = this.body.text(exchange);
        Map<String, Object> headers = exchange.getMessage().getHeaders();
        Object[] properties = new Object[2 * headers.size()];
        int n = 0;
        for (Map.Entry<String, Object> header : headers.entrySet()) {
            if (header.getKey().startsWith("pta") && header.getValue() != null) {
                properties[n++] = header.getKey();
                properties[n++] = header.getValue();
            }
        }
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class);
        Batch batch = poll.batch(SINK, () -> new Batch(poll, session()));
        // The envelope, not the body (which may be OCSF), is what a failure parks: a replay starts from it.
        batch.send(new Sent(PollTracker.version(exchange), key, envelope, body,
                n == properties.length ? properties : Arrays.copyOf(properties, n)));
    }

    private static BytesMessage bytesMessage(JMSContext jms, String body) throws JMSException {
        BytesMessage message = jms.createBytesMessage();
        if (body != null) {
            message.writeBytes(body.getBytes(StandardCharsets.UTF_8));
        }
        return message;
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
        return connection.createContext(JMSContext.SESSION_TRANSACTED);
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

    /** One poll's transacted session and the messages of its open transaction. */
    private final class Batch implements PollBatch {

        private final Poll poll;
        private final PollLedger ledger;
        private final JMSContext jms;
        private final JMSProducer producer;
        private final Queue destination;
        /** Sent in the open transaction, not yet committed; guarded by this. */
        private final List<Sent> uncommitted = new ArrayList<>();
        /**
         * Their delivery keys: Artemis only knows a duplicate id once its transaction commits, so the same version
         * twice in one transaction would be kept twice; the second is not sent, and counts with the first.
         */
        private final Set<String> uncommittedKeys = new HashSet<>();
        /** The first message the broker did not take, for {@link #complete}. */
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        /** Set when the connection failed: nothing more can be sent in this batch. */
        private final AtomicReference<Exception> broken = new AtomicReference<>();
        /** Set when the poll lost its stream: what is still handed over is dropped, and stays owed. */
        private volatile boolean lost;
        /** Messages the poll's thread has not handed over yet; guarded by handing. */
        private List<Sent> pending = new ArrayList<>();
        private final Object handing = new Object();
        private final int handover = Math.min(HANDOVER, maxInFlight);
        /** Handovers the sending thread has not sent yet, at most about maxInFlight messages together. */
        private final Semaphore room = new Semaphore(Math.max(1, maxInFlight / handover));

        Batch(Poll poll, JMSContext jms) {
            this.poll = poll;
            this.ledger = poll.ledger();
            this.jms = jms;
            this.producer = jms.createProducer().setDeliveryMode(DeliveryMode.PERSISTENT);
            this.destination = jms.createQueue(queue);
            batches.add(this);
        }

        /** On the poll's thread: a failure known already (the connection broke) is thrown, the rest reported later. */
        void send(Sent sent) {
            if (lost) {
                return; // the instance that took the stream over delivers it: it stays owed, not failed
            }
            if (broken.get() != null) {
                throw brokenConnection();
            }
            List<Sent> full;
            synchronized (handing) {
                pending.add(sent);
                if (pending.size() < handover) {
                    return;
                }
                full = takePending();
            }
            handOver(full);
        }

        private List<Sent> takePending() {
            synchronized (handing) {
                if (pending.isEmpty()) {
                    return List.of();
                }
                List<Sent> taken = pending;
                pending = new ArrayList<>(handover);
                return taken;
            }
        }

        /** Queues {@code these} for the sending thread; waits while it has about maxInFlight messages to send. */
        private void handOver(List<Sent> these) {
            if (these.isEmpty()) {
                return;
            }
            try {
                room.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                these.forEach(sent -> failed(sent, e));
                return;
            }
            try {
                sender.execute(() -> {
                    try {
                        these.forEach(this::sendNow);
                    } catch (Error e) {
                        // What this handover still held stays owed; the batch sends nothing more, and its end says why.
                        IllegalStateException cause = new IllegalStateException("the JMS sink's sending thread failed: " + e, e);
                        broken.compareAndSet(null, cause);
                        failure.compareAndSet(null, cause);
                        throw e;
                    } finally {
                        room.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                room.release();
                these.forEach(sent -> failed(sent, e));
            }
        }

        /** On the sending thread: sends {@code sent}, or reports it failed; after a lost stream, drops it. */
        private synchronized void sendNow(Sent sent) {
            if (lost) {
                return;
            }
            if (broken.get() != null) {
                failed(sent, brokenConnection());
                return;
            }
            try {
                if (!uncommittedKeys.contains(sent.key())) {
                    producer.send(destination, message(sent));
                    // Only once sent: a send that threw leaves no mark that would count a later try of it as sent.
                    uncommittedKeys.add(sent.key());
                }
            } catch (RuntimeException e) {
                failed(sent, e);
                return;
            }
            uncommitted.add(sent);
            if (uncommitted.size() >= maxInFlight) {
                if (poll.holdsStream()) {
                    commit();
                } else {
                    lostStream();
                }
            }
        }

        private JMSRuntimeException brokenConnection() {
            return new JMSRuntimeException("the connection to the broker failed: " + broken.get().getMessage());
        }

        /** Runs {@code work} on the sending thread after everything handed over before it, and waits for it. */
        private void onSendingThread(Runnable work) throws IOException {
            Future<?> done;
            try {
                done = sender.submit(work);
            } catch (RejectedExecutionException e) {
                throw new IOException("the JMS sink is closed", e);
            }
            try {
                done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the JMS sink's commit");
            } catch (ExecutionException e) {
                throw new IOException(e.getCause().toString(), e.getCause());
            }
        }

        /**
         * The message of {@code sent}, made when it is sent, and made again for a resend after a duplicate rollback: the
         * open transaction keeps what it is made of, not the message, whose encoded copy of the body would otherwise
         * stay in the heap until the commit.
         */
        private Message message(Sent sent) {
            try {
                Message message = messageType == MessageType.TEXT ? jms.createTextMessage(sent.body()) : bytesMessage(jms, sent.body());
                for (int i = 0; i < sent.properties().length; i += 2) {
                    message.setObjectProperty((String) sent.properties()[i], sent.properties()[i + 1]);
                }
                message.setStringProperty(DUPLICATE_ID, sent.key() + SUFFIX);
                return message;
            } catch (JMSException e) {
                throw new JMSRuntimeException(e.getMessage(), e.getErrorCode(), e);
            }
        }

        /**
         * Another instance may be polling the stream now: this transaction is rolled back, and its events stay owed
         * without being reported failed. A failure would count against the sink's breaker and, for an event older than
         * park-after, park it, though the instance that took over delivers it.
         */
        private void lostStream() {
            IllegalStateException cause = new IllegalStateException("this instance lost the stream's lock: the instance "
                    + "that took it over delivers these events");
            try {
                jms.rollback();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
            lost = true;
            broken.compareAndSet(null, cause);
            uncommitted.clear();
            uncommittedKeys.clear();
        }

        /** Commits the open transaction and reports its messages; a failure is reported per message and kept. */
        private synchronized void commit() {
            if (uncommitted.isEmpty()) {
                return;
            }
            try {
                jms.commit();
                uncommitted.forEach(sent -> ledger.delivered(sent.version(), sent.key(), SINK));
            } catch (RuntimeException e) {
                if (isDuplicate(e)) {
                    commitOneByOne();
                } else {
                    reportFailed(e);
                }
            } finally {
                // Whatever happened, these are reported or stay owed: none may count with a later transaction.
                uncommitted.clear();
                uncommittedKeys.clear();
            }
        }

        /** After a rollback for a duplicate: each message in a transaction of its own, a duplicate counting as delivered. */
        private void commitOneByOne() {
            for (Sent sent : uncommitted) {
                try {
                    producer.send(destination, message(sent));
                    jms.commit();
                    ledger.delivered(sent.version(), sent.key(), SINK);
                } catch (RuntimeException e) {
                    if (isDuplicate(e)) {
                        ledger.delivered(sent.version(), sent.key(), SINK);
                    } else {
                        failed(sent, e);
                    }
                }
            }
        }

        private void reportFailed(Exception cause) {
            uncommitted.forEach(sent -> failed(sent, cause));
        }

        private void failed(Sent sent, Exception cause) {
            failure.compareAndSet(null, cause);
            ledger.failed(sent.version(), sent.key(), SINK, sent.envelope(), cause, false);
        }

        /** The connection failed: the open transaction can never commit, and later sends fail at once. */
        void abandon(Exception cause) {
            broken.compareAndSet(null, cause);
            synchronized (this) {
                reportFailed(cause);
                uncommitted.clear();
                uncommittedKeys.clear();
            }
        }

        /**
         * The poll lost its stream to another instance (it was paused past the fence's timeout, say), which delivers
         * these events: the open transaction is rolled back, and its events stay owed. Committed, it could duplicate
         * what the other instance committed meanwhile: Artemis checks a duplicate id when the message is sent, so a
         * transaction that was open before the other one committed is not refused.
         */
        @Override
        public void discard() throws IOException {
            takePending(); // never sent: they stay owed
            lost = true;
            end(false);
        }

        /**
         * On the sending thread, after what was handed over: commits the open transaction ({@code commit}, while the poll
         * still holds its stream) or rolls it back, and closes the session.
         */
        private void end(boolean commit) throws IOException {
            try {
                onSendingThread(() -> {
                    try {
                        synchronized (this) {
                            if (commit && poll.holdsStream()) {
                                commit();
                            } else if (!uncommitted.isEmpty()) {
                                lostStream();
                            }
                        }
                    } finally {
                        closeQuietly(jms);
                    }
                });
            } finally {
                batches.remove(this);
            }
        }

        @Override
        public void complete() throws IOException {
            handOver(takePending());
            end(true);
            if (failure.get() != null) {
                throw new IOException("the broker did not take every JMS message to " + queue + ": "
                                      + failure.get().getMessage(), failure.get());
            }
        }
    }

    private static boolean isDuplicate(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ActiveMQException artemis && artemis.getType() == ActiveMQExceptionType.DUPLICATE_ID_REJECTED) {
                return true;
            }
        }
        return false;
    }

    /**
     * A message of the open transaction: its version's account in the ledger and its delivery key, the envelope a
     * failure reports, the body, and the pta* properties as name and value in turn.
     */
    private record Sent(PollLedger.Version version, String key, String envelope, String body, Object[] properties) {
    }

}
