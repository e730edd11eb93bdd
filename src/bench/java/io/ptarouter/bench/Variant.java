package io.ptarouter.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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

    /**
     * Waits until the JIT has gone quiet: no compilation for 300 ms, or 20 s at most. Every run starts a new
     * CamelContext (or broker), and without this the JIT is still compiling that start-up code (YAML loading,
     * reifiers, JMX, H2) during the timed part, taking up to a quarter of the two cores from the events.
     */
    static void settle() throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(300)) {
            TimeUnit.MILLISECONDS.sleep(20);
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    Outcome run(Target target, Path work) throws Exception;
}
