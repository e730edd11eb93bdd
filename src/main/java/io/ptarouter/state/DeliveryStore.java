package io.ptarouter.state;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What pta-router has delivered, kept where a restart or a {@code kill -9} cannot lose it: per
 * stream, the watermark (the newest event time, epoch ms as PTA reports it, up to which every event
 * is delivered or parked), and per event version (its delivery key, {@code stream/id/version}) the
 * sinks that accepted it. The sink name {@link #DONE} marks a version that needs nothing more.
 * Every {@link #commit} is one transaction: a crash leaves either all of it or none of it.
 */
public interface DeliveryStore extends Watermarks, AutoCloseable {

    /** The pseudo-sink recorded once every sink chosen for the version accepted it or it was parked. */
    String DONE = "done";

    /** One sink that accepted one event version. */
    record Delivery(String key, String sink, long eventTimeMillis) {
    }

    /**
     * What was recorded of one event version: the sinks that have it, and when it was last recorded
     * (epoch ms); for a version recorded as done, when it was last recorded as done.
     */
    record Recorded(Set<String> sinks, long lastRecorded) {
    }

    /**
     * What is recorded of each version of the stream whose event time is at or after
     * {@code fromEventTime}, keyed by delivery key: what a poll that re-reads from there must skip.
     */
    Map<String, Recorded> deliveredSince(String stream, long fromEventTime);

    /**
     * The sinks recorded for one version (of event time {@code eventTimeMillis}), {@link #DONE} among them if it is
     * done; empty if none is.
     */
    Set<String> sinksOf(String stream, String key, long eventTimeMillis);

    /**
     * Records the deliveries and, if given, moves the stream's watermark forward (never back), in one
     * transaction. Recording a delivery that is already there is not an error: it counts as recorded
     * again now, which keeps it past the retention.
     */
    void commit(String stream, Collection<Delivery> deliveries, OptionalLong watermark);

    /**
     * Forgets the records of the stream's versions older than {@code eventTimeBefore} that were made
     * before {@code seenBefore} (a version recorded again since keeps its newer record); returns how
     * many records went.
     */
    int expire(String stream, long eventTimeBefore, Instant seenBefore);

    @Override
    void close();
}
