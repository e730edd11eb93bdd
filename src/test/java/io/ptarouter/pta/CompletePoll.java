package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.listeners.JobListenerSupport;
import org.quartz.impl.matchers.KeyMatcher;

/**
 * Fires a stream's Quartz job and returns once that run of the job has returned, so the poll is
 * over: events delivered, watermark moved or not, dedup keys recorded. A NotifyBuilder on the poll
 * route is not enough: the split's and the multicast's copies of the exchange come from the same
 * route and complete first, so "one exchange done" can match before the poll itself has ended.
 */
public final class CompletePoll {

    private CompletePoll() {
    }

    public static void run(CamelContext context, String stream) throws Exception {
        Scheduler scheduler = context.getComponent("quartz", QuartzComponent.class).getScheduler();
        JobKey job = JobKey.jobKey(stream, "pta");
        CountDownLatch executed = new CountDownLatch(1);
        String name = "complete-poll-" + UUID.randomUUID();
        scheduler.getListenerManager().addJobListener(new JobListenerSupport() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public void jobWasExecuted(JobExecutionContext run, JobExecutionException failure) {
                executed.countDown();
            }
        }, KeyMatcher.keyEquals(job));
        try {
            scheduler.triggerJob(job);
            assertThat(executed.await(60, TimeUnit.SECONDS)).as("the %s poll completes", stream).isTrue();
        } finally {
            scheduler.getListenerManager().removeJobListener(name);
        }
    }
}
