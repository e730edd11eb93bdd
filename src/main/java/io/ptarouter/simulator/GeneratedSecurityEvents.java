package io.ptarouter.simulator;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A large security events answer (hundreds of thousands of events, as after an outage) made on the fly: every answer
 * replays the same seeded sequence, so each request gets the same events, and none is kept in memory. The events do
 * not change in place and cannot be patched; {@code lastUpdateTime} lies in the hour before the simulator started.
 */
final class GeneratedSecurityEvents {

    private final int count;
    private final long seed;
    private final long startMillis;

    GeneratedSecurityEvents(int count, long seed, long startMillis) {
        this.count = count;
        this.seed = seed;
        this.startMillis = startMillis;
    }

    int size() {
        return count;
    }

    /** A fresh pass over all the events, from the first. */
    Iterator<SecurityEvent> iterator() {
        SecurityEventFactory factory = SecurityEventFactory.forGeneratedAnswers(seed);
        return new Iterator<>() {
            private int made;

            @Override
            public boolean hasNext() {
                return made < count;
            }

            @Override
            public SecurityEvent next() {
                if (made >= count) {
                    throw new NoSuchElementException();
                }
                made++;
                return factory.generated(startMillis);
            }
        };
    }
}
