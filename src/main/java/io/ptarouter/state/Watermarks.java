package io.ptarouter.state;

import java.util.OptionalLong;

/**
 * Per stream, the newest event time (epoch ms, as PTA reports it) already delivered. Taken from
 * event timestamps, never from the local clock, so skew between this host and the PVWA cannot
 * skip events.
 */
public interface Watermarks {

    OptionalLong get(String stream);

    /** Moves the watermark forward; a value older than the current one is ignored. */
    void advance(String stream, long eventTimeMillis);
}
