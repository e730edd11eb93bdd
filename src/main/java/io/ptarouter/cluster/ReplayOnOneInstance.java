package io.ptarouter.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.pta.PollFence;
import io.ptarouter.transport.DaemonTimer;

/**
 * The dead-letter replay route's consumer runs on one instance at a time: the one holding the replay's advisory lock
 * (the same fence as a poll's). The others keep trying, so that one takes over within a few seconds of the holder's end.
 */
final class ReplayOnOneInstance extends RoutePolicySupport {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayOnOneInstance.class);
    static final String LOCK = "dead-letter-replay";

    private final PollFence fence;
    private final Duration retry;
    private final ScheduledThreadPoolExecutor timer = DaemonTimer.named("pta-cluster-replay");
    private volatile PollFence.Lease lease;
    private volatile ScheduledFuture<?> task;

    ReplayOnOneInstance(PollFence fence, Duration retry) {
        this.fence = fence;
        this.retry = retry;
    }

    @Override
    public void onStart(Route route) {
        stop(route);
        task = timer.scheduleWithFixedDelay(() -> check(route), 0, retry.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onStop(Route route) {
        ScheduledFuture<?> running = task;
        if (running != null) {
            running.cancel(false);
        }
        release();
    }

    private synchronized void check(Route route) {
        try {
            if (lease != null && !lease.stillHeld()) {
                LOG.warn("{}: lost the replay lock; another instance replays dead letters now", route.getRouteId());
                stop(route);
                release();
            }
            if (lease == null) {
                Optional<PollFence.Lease> taken = fence.enter(LOCK);
                if (taken.isPresent()) {
                    lease = taken.get();
                    startConsumer(route.getConsumer());
                    LOG.info("{}: this instance replays dead letters", route.getRouteId());
                }
            }
        } catch (Exception e) {
            LOG.warn("{}: cannot check the replay lock: {}", route.getRouteId(), e.getMessage());
        }
    }

    private void stop(Route route) {
        try {
            stopConsumer(route.getConsumer());
        } catch (Exception e) {
            LOG.warn("{}: cannot stop the replay consumer: {}", route.getRouteId(), e.getMessage());
        }
    }

    private synchronized void release() {
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }
}
