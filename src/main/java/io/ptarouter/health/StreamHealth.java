package io.ptarouter.health;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.quartz.CronExpression;

/**
 * What is known of one stream's polls: when one last succeeded, how many failed since, whether one
 * is running. The stream is in trouble when {@code maxMissed} polls in a row failed, or when, by its
 * cron, more than {@code maxMissed} polls were due since the last success (or since start-up) and
 * none succeeded: that also catches a poll that hangs and a scheduler that stopped firing.
 */
final class StreamHealth {

    private final String stream;
    private final CronExpression cron;
    private final int maxMissed;
    private Instant since;
    private Instant lastSuccess;
    private int consecutiveFailures;
    private String lastFailure;
    private Instant running;
    private OptionalLong watermark = OptionalLong.empty();

    StreamHealth(String stream, CronExpression cron, int maxMissed, Instant since) {
        this.stream = stream;
        this.cron = cron;
        this.maxMissed = maxMissed;
        this.since = since;
    }

    String stream() {
        return stream;
    }

    /** The CamelContext started: polls are due by the cron from now on. */
    synchronized void started(Instant now, OptionalLong storedWatermark) {
        since = now;
        watermark = storedWatermark;
    }

    synchronized void pollStarted(Instant now) {
        running = now;
    }

    synchronized void pollSucceeded(Instant now, OptionalLong newWatermark) {
        running = null;
        lastSuccess = now;
        consecutiveFailures = 0;
        lastFailure = null;
        if (newWatermark.isPresent()) {
            watermark = newWatermark;
        }
    }

    /** Another instance polled the stream successfully at {@code at}. */
    synchronized void succeededElsewhere(Instant at) {
        if (lastSuccess == null || at.isAfter(lastSuccess)) {
            lastSuccess = at;
        }
    }

    synchronized void pollFailed(String reason) {
        running = null;
        consecutiveFailures++;
        lastFailure = reason;
    }

    /** Why the stream is not delivering, if it is not. */
    synchronized Optional<String> problem(Instant now) {
        String last = lastSuccess == null ? "none since start-up at " + text(since) : text(lastSuccess);
        if (consecutiveFailures >= maxMissed) {
            return Optional.of(stream + ": the last " + consecutiveFailures + " polls failed (the last one: " + lastFailure
                               + "); last successful poll: " + last);
        }
        Instant baseline = lastSuccess == null ? since : lastSuccess;
        Instant due = nthFireAfter(baseline, maxMissed + 1);
        if (due != null && !due.isAfter(now)) {
            String state = running != null ? "one has been running since " + text(running)
                    : lastFailure != null ? "the last one failed: " + lastFailure
                    : "none has started since " + text(baseline) + ": the scheduler does not fire";
            // The cron is in the details: Camel's health endpoint escapes a '/' in the message twice.
            return Optional.of(stream + ": no poll completed successfully for " + maxMissed + " intervals of its cron ("
                               + state + "); last successful poll: " + last);
        }
        return Optional.empty();
    }

    /** To the second: what an operator reads in a reason. */
    static String text(Instant time) {
        return time.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The n-th time the cron fires after {@code from}; null if it never fires that often again. */
    private Instant nthFireAfter(Instant from, int n) {
        Date at = Date.from(from);
        for (int i = 0; i < n && at != null; i++) {
            at = cron.getNextValidTimeAfter(at);
        }
        return at == null ? null : at.toInstant();
    }

    synchronized Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("stream", stream);
        details.put("cron", cron.getCronExpression());
        details.put("lastSuccessfulPoll", lastSuccess == null ? "none" : lastSuccess.toString());
        details.put("consecutiveFailedPolls", consecutiveFailures);
        if (running != null) {
            details.put("pollRunningSince", running.toString());
        }
        watermark.ifPresent(mark -> details.put("watermark", Instant.ofEpochMilli(mark).toString()));
        return details;
    }

    /** Epoch seconds of the last successful poll; before the first one, of the start-up. */
    synchronized double lastSuccessSeconds() {
        return (lastSuccess == null ? since : lastSuccess).toEpochMilli() / 1000.0;
    }

    synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** Epoch seconds of the watermark; NaN before there is one. */
    synchronized double watermarkSeconds() {
        return watermark.isPresent() ? watermark.getAsLong() / 1000.0 : Double.NaN;
    }
}
