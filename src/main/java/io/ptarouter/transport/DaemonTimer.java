package io.ptarouter.transport;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** A one-thread timer for deadlines and warnings that are usually cancelled before they fire. */
public final class DaemonTimer {

    private DaemonTimer() {
    }

    /** Its daemon thread ends when idle, so that a stopped CamelContext leaves none behind. */
    public static ScheduledThreadPoolExecutor named(String threadName) {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setKeepAliveTime(30, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        return timer;
    }
}
