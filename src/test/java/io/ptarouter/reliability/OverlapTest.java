package io.ptarouter.reliability;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;

/**
 * The overlap window: an event that turns up late with a time at or a little before the watermark
 * is delivered once, and the events the first poll delivered are not sent again.
 */
class OverlapTest extends ReliabilityTestSupport {

    @Test
    void lateEventsAtOrJustBeforeTheWatermarkAreDeliveredOnceAndEarlierOnesNotAgain() throws Exception {
        long t = NOW.toEpochMilli();
        long watermark = t + 10;
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t), high(2, watermark)));
        poll(STREAM);
        org.assertj.core.api.Assertions.assertThat(watermarks().get(STREAM)).hasValue(watermark);

        long withinOverlap = watermark - OVERLAP_MILLIS / 2;
        stubSecurityEvents(Events.array(high(4, withinOverlap), high(1, t), high(2, watermark), high(3, watermark)));
        poll(STREAM);
        poll(STREAM);

        assertEachSinkHoldsOnce(List.of(key(1, t), key(2, watermark), key(3, watermark), key(4, withinOverlap)));
    }
}
