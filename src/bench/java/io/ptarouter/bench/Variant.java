package io.ptarouter.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/** One way of routing the simulator's answer, run in a forked JVM by {@link VariantRunner}. */
interface Variant {

    /**
     * What one run did. {@code delivered}: deliveries to the sink measured (events/s is delivered / seconds);
     * {@code events}: events read from the answer; {@code nanos}: from the poll's start to the last delivery;
     * {@code cpuNanos}: the CPU time this JVM used over those same {@code nanos} ({@link #cpuNanos()}).
     */
    record Outcome(long delivered, long events, long nanos, long cpuNanos, String note) {
    }

    /** The CPU time all threads of this JVM have used so far: the variant's, its broker's, the collector's, the JIT's. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    Outcome run(Target target, Path work) throws Exception;
}
