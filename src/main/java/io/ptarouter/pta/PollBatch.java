package io.ptarouter.pta;

import java.io.IOException;

/**
 * Work a sink holds open for the length of one poll (an open file, say) and completes when the
 * poll ends: before the watermark moves, so that what the watermark passes is durable.
 */
public interface PollBatch {

    /** Makes everything written in this poll durable and releases the resources. */
    void complete() throws IOException;

    /**
     * Releases the resources without delivering what was not delivered yet, when possible: the poll lost its stream
     * to another instance, which delivers it. By default the batch completes (a sink whose receiver drops re-sends).
     */
    default void discard() throws IOException {
        complete();
    }
}
