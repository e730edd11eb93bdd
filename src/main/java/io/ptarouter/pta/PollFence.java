package io.ptarouter.pta;

import java.util.Optional;

/**
 * Keeps two instances from polling one stream at once: a poll first enters the fence of its stream and holds
 * it to the end. A single instance needs none ({@link #NONE}); several on one PostgreSQL use an advisory lock
 * (io.ptarouter.cluster).
 */
public interface PollFence {

    /** Lets every poll in: one instance, whose Quartz job already never overlaps itself. */
    PollFence NONE = stream -> Optional.of(Lease.KEPT);

    /** The stream's lease for one poll, or empty when another instance holds it (the poll then does nothing). */
    Optional<Lease> enter(String stream);

    /** What a poll holds while it runs. */
    interface Lease extends AutoCloseable {

        /** A lease that cannot be lost. */
        Lease KEPT = new Lease() {
            @Override
            public boolean stillHeld() {
                return true;
            }

            @Override
            public void close() {
            }
        };

        /**
         * False once this instance may have lost the stream to another (its lock connection died, or it was paused
         * past the fence's timeout): the poll then delivers nothing more and does not move the watermark.
         */
        boolean stillHeld();

        /** As {@link #stillHeld}, asked of the database now rather than trusted from the last heartbeat. */
        default boolean confirm() {
            return stillHeld();
        }

        /** The poll ended well (it moved the watermark, or had nothing to move it for), for the others' health. */
        default void succeeded() {
        }

        @Override
        void close();
    }
}
