package io.ptarouter.bench;

import java.nio.file.Path;

/** One way of routing the simulator's answer, run in a forked JVM by {@link VariantRunner}. */
interface Variant {

    /**
     * What one run did. {@code delivered}: deliveries to the sink measured (events/s is delivered / seconds);
     * {@code events}: events read from the answer; {@code nanos}: from the poll's start to the last delivery.
     */
    record Outcome(long delivered, long events, long nanos, String note) {
    }

    Outcome run(Target target, Path work) throws Exception;
}
