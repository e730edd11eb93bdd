package io.ptarouter.bench;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

import io.ptarouter.pta.SecurityEventReader;

/**
 * The Camel floor: the least a route with one message per event can do. The same logon and GET as the naive route,
 * with stream caching off (the
 * context's and the HTTP endpoint's); the answer split as a stream by pta-router's own reader (one Jackson tree per event), each
 * event handed through a {@code direct:} endpoint to a processor that writes it as an NDJSON line through one
 * buffered writer. No classification, envelope, routing, delivery ledger or fsync: what is left is Camel's cost of
 * one exchange per event, which every router that splits the answer into messages pays.
 */
final class CamelFloorVariant implements Variant {

    /**
     * The floor's route on {@code camel}: direct:poll logs on and GETs the answer, split as a stream by pta-router's
     * reader, each event through a {@code direct:} hop to {@code last}.
     */
    static void eachEventTo(CamelContext camel, Target target, Processor last) throws Exception {
        camel.setStreamCaching(false);
        camel.getRegistry().bind("reader", new SecurityEventReader());
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                NaiveCamelVariant.getAnswer(this, target, "?disableStreamCache=true")
                        .split(method("reader", "read")).streaming()
                            .to("direct:event")
                        .end();
                from("direct:event").process(last);
            }
        });
    }

    @Override
    public Outcome run(Target target, Path work) throws Exception {
        Files.createDirectories(work);
        Path file = work.resolve("events.ndjson");
        AtomicLong written = new AtomicLong();
        try (CamelContext camel = new DefaultCamelContext();
             BufferedWriter out = Files.newBufferedWriter(file)) {
            eachEventTo(camel, target, e -> {
                out.write(e.getMessage().getBody().toString());
                out.write('\n');
                written.incrementAndGet();
            });
            camel.start();
            Variant.settle();
            long start = System.nanoTime();
            long cpu = Variant.cpuNanos();
            camel.createProducerTemplate().sendBody("direct:poll", null);
            out.flush();
            long nanos = System.nanoTime() - start;
            cpu = Variant.cpuNanos() - cpu;
            long lines = NaiveCamelVariant.countLines(file);
            return new Outcome(lines, written.get(), nanos, cpu, "");
        }
    }
}
