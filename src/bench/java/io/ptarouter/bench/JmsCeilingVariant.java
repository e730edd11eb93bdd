package io.ptarouter.bench;

import java.io.InputStream;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.jms.CompletionListener;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSProducer;
import jakarta.jms.Message;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.ptarouter.sink.EmbeddedBroker;
import io.ptarouter.sink.JmsBatches;

/**
 * The JMS ceiling: no Camel. Log on, GET the events, and send each element of the array, as it is parsed, as a
 * persistent text message with ten properties and a duplicate-detection id to the embedded broker pta-router starts
 * (same broker settings), in a transacted session committing every {@code commitEvery} messages as the JMS sink does,
 * or (0) asynchronously with at most 1000 unacknowledged, as it did before. What is left is the cost of the broker and
 * the JMS client on this machine.
 */
final class JmsCeilingVariant implements Variant {

    private static final int MAX_IN_FLIGHT = 1000;
    private static final String[] PROPERTIES = {"ptaStream", "ptaEventId", "ptaEventType", "ptaScore", "ptaSeverity",
        "ptaStatus", "ptaEventTime", "ptaVersion", "ptaUpdate", "ptaAccount"};

    private final JsonFactory json = new JsonFactory();
    private final HttpClient http = HttpClient.newHttpClient();
    /** 0: asynchronous sends with completion listeners; else a transacted session committing every this many. */
    private final int commitEvery;

    JmsCeilingVariant(int commitEvery) {
        this.commitEvery = commitEvery;
    }

    /** The message the ceiling sends for event number {@code count}: its text, ten properties, a duplicate id. */
    static TextMessage message(JMSContext jms, String text, long count) throws jakarta.jms.JMSException {
        TextMessage message = jms.createTextMessage(text);
        for (String property : PROPERTIES) {
            message.setStringProperty(property, property + count);
        }
        message.setStringProperty(JmsBatches.DUPLICATE_ID, "security-events/" + count + "/jms");
        return message;
    }

    @Override
    public Outcome run(Target target, Path work) throws Exception {
        EmbeddedBroker broker = new EmbeddedBroker(work.resolve("artemis"), 0, "pta.events");
        broker.start();
        ActiveMQConnectionFactory connections = new ActiveMQConnectionFactory("vm://0");
        connections.setConfirmationWindowSize(1024 * 1024);
        Variant.settle();
        long start = System.nanoTime();
        long cpu = Variant.cpuNanos();
        AtomicLong acknowledged = new AtomicLong();
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        try (connections; JMSContext jms = connections.createContext(
                commitEvery > 0 ? JMSContext.SESSION_TRANSACTED : JMSContext.AUTO_ACKNOWLEDGE);
             InputStream in = CeilingVariant.answer(http, target).body();
             JsonParser parser = json.createParser(in)) {
            Queue queue = jms.createQueue("pta.events");
            JMSProducer producer = jms.createProducer().setDeliveryMode(DeliveryMode.PERSISTENT);
            if (commitEvery == 0) {
                producer.setAsync(new CompletionListener() {
                        @Override
                        public void onCompletion(Message message) {
                            acknowledged.incrementAndGet();
                            inFlight.release();
                        }

                        @Override
                        public void onException(Message message, Exception exception) {
                            inFlight.release();
                        }
                    });
            }
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalStateException("the answer is not a JSON array");
            }
            long count = 0;
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                StringWriter text = new StringWriter(2048);
                try (JsonGenerator out = json.createGenerator(text)) {
                    out.copyCurrentStructure(parser);
                }
                TextMessage message = message(jms, text.toString(), count);
                if (commitEvery == 0) {
                    inFlight.acquire();
                    producer.send(queue, message);
                } else {
                    producer.send(queue, message);
                    if ((count + 1) % commitEvery == 0) {
                        jms.commit();
                        acknowledged.addAndGet(commitEvery);
                    }
                }
                count++;
            }
            if (commitEvery == 0) {
                inFlight.acquire(MAX_IN_FLIGHT);
            } else {
                jms.commit();
                acknowledged.addAndGet(count % commitEvery);
            }
            return new Outcome(acknowledged.get(), count, System.nanoTime() - start, Variant.cpuNanos() - cpu,
                    "acknowledged " + acknowledged.get());
        } finally {
            broker.stop();
        }
    }
}
