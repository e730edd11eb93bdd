package io.ptarouter.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The event time written by hand is the text Instant.toString writes for it, whatever the time. */
class IsoTimeTest {

    @Test
    void writesTheTextInstantWrites() {
        long[] edges = {0L, 1L, 999L, 1000L, 86_399_999L, 86_400_000L, 951_782_400_000L /* 2000-02-29 */,
            1_700_000_000_000L, 1_700_000_000_250L, 253_402_300_799_999L /* 9999-12-31T23:59:59.999Z */,
            253_402_300_800_000L, -1L, -86_400_001L, Long.MAX_VALUE / 1000};
        for (long millis : edges) {
            assertThat(IsoTime.of(millis)).as("%d", millis).isEqualTo(Instant.ofEpochMilli(millis).toString());
        }
        SplittableRandom random = new SplittableRandom(20261204L);
        for (int i = 0; i < 200_000; i++) {
            long millis = random.nextLong(0L, 4_102_444_800_000L); // 1970 to 2100
            if (i % 3 == 0) {
                millis -= millis % 1000; // whole seconds, written without a fraction
            }
            assertThat(IsoTime.of(millis)).as("%d", millis).isEqualTo(Instant.ofEpochMilli(millis).toString());
        }
    }
}
