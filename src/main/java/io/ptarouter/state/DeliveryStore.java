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
     * The sinks recorded for each version of the stream whose event time is at or after
     * {@code fromEventTime}, keyed by delivery key: what a poll that re-reads from there must skip.
     */
    Map<String, Set<String>> deliveredSince(String stream, long fromEventTime);

    /**
     * Records the deliveries and, if given, moves the stream's watermark forward (never back), in one
     * transaction. Recording a delivery that is already there is not an error.
     */
    void commit(String stream, Collection<Delivery> deliveries, OptionalLong watermark);

    /** Marks versions PTA still returns as seen {@code now}, so that retention keeps them. */
    void touch(String stream, Collection<String> keys, Instant now);

    /**
     * Forgets versions of the stream older than {@code eventTimeBefore} that were last seen before
     * {@code seenBefore}; returns how many delivery records went.
     */
    int expire(String stream, long eventTimeBefore, Instant seenBefore);

    @Override
    void close();
}
