package io.ptarouter.bench;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSProducer;
import jakarta.jms.Queue;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;

import io.ptarouter.sink.EmbeddedBroker;

/**
 * The Camel floor with the JMS ceiling's sends: the Camel floor's route (pta-router's streaming reader, one exchange
 * per event, a {@code direct:} hop) whose last step sends each event as the JMS ceiling does (a persistent text
 * message with ten properties and a duplicate-detection id, transactions of 1000) to the same embedded broker. No
 * classification, routing, ledger or checkpoints: the least any Camel route that delivers each event to this broker
 * costs, and so the most of the raw broker's rate that pta-router's JMS sink can reach here.
 */
final class JmsCamelFloorVariant implements Variant {

    private static final int COMMIT_EVERY = 1000;

    @Override
    public Outcome run(Target target, Path work) throws Exception {
        EmbeddedBroker broker = new EmbeddedBroker(work.resolve("artemis"), 0, "pta.events");
        broker.start();
        ActiveMQConnectionFactory connections = new ActiveMQConnectionFactory("vm://0");
        connections.setConfirmationWindowSize(1024 * 1024);
        AtomicLong sent = new AtomicLong();
        AtomicLong acknowledged = new AtomicLong();
        try (connections; JMSContext jms = connections.createContext(JMSContext.SESSION_TRANSACTED);
             CamelContext camel = new DefaultCamelContext()) {
            Queue queue = jms.createQueue("pta.events");
            JMSProducer producer = jms.createProducer().setDeliveryMode(DeliveryMode.PERSISTENT);
            CamelFloorVariant.eachEventTo(camel, target, e -> {
                long count = sent.getAndIncrement();
                producer.send(queue, JmsCeilingVariant.message(jms, e.getMessage().getBody().toString(), count));
                if ((count + 1) % COMMIT_EVERY == 0) {
                    jms.commit();
                    acknowledged.addAndGet(COMMIT_EVERY);
                }
            });
            camel.start();
            Variant.settle();
            long start = System.nanoTime();
            long cpu = Variant.cpuNanos();
            camel.createProducerTemplate().sendBody("direct:poll", null);
            jms.commit();
            acknowledged.addAndGet(sent.get() % COMMIT_EVERY);
            return new Outcome(acknowledged.get(), sent.get(), System.nanoTime() - start, Variant.cpuNanos() - cpu,
                    "acknowledged " + acknowledged.get());
        } finally {
            broker.stop();
        }
    }
}
