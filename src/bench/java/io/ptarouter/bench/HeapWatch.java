package io.ptarouter.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Peak memory of this JVM during one run: heap in use sampled every 5 ms (garbage included, so it mostly shows how
 * far the collector lets the heap fill), the heap left after each collection (the live data: what grows with N if
 * the events are held), and the resident set's high-water mark (VmHWM, reset at the start of each run).
 */
final class HeapWatch implements AutoCloseable {

    record Peaks(long heapUsed, long heapAfterGc, long rss) {
    }

    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakAfterGc = new AtomicLong();
    private final Thread sampler;
    private final List<Runnable> unsubscribe = new ArrayList<>();
    private volatile boolean running = true;

    HeapWatch() {
        resetRssPeak();
        sampler = new Thread(() -> {
            while (running) {
                peakUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-watch");
        sampler.setDaemon(true);
        sampler.start();
        NotificationListener listener = (notification, handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                return;
            }
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long after = 0;
            for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
                MemoryUsage usage = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
                if (usage != null && pool.getType() == java.lang.management.MemoryType.HEAP) {
                    after += usage.getUsed();
                }
            }
            peakAfterGc.accumulateAndGet(after, Math::max);
        };
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            NotificationEmitter emitter = (NotificationEmitter) gc;
            emitter.addNotificationListener(listener, null, null);
            unsubscribe.add(() -> {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (Exception ignored) {
                    // already gone
                }
            });
        }
    }

    Peaks peaks() {
        long used = Math.max(peakUsed.get(), ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        // A run short enough to see no collection: its live data is at most what is in use at the end.
        long afterGc = peakAfterGc.get() > 0 ? peakAfterGc.get() : used;
        return new Peaks(used, afterGc, status("VmHWM"));
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
        unsubscribe.forEach(Runnable::run);
    }

    /** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+); elsewhere the peak is the JVM's. */
    private static void resetRssPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or not allowed: VmHWM then covers the JVM's whole life
        }
    }

    /** A /proc/self/status value in bytes, or -1 when there is none. */
    static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return -1;
    }
}
