package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ptarouter.simulator.ServedAnswer;
import io.ptarouter.simulator.ServedAnswer.Event;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectedDeliveriesTest {

    private static final String SECURITY = ServedAnswer.SECURITY_EVENTS;
    private static final Event A1 = new Event("a", 100, "PSMRiskyCommand", 80.0);
    private static final Event A2 = new Event("a", 200, "PSMRiskyCommand", 80.0);
    private static final Event B1 = new Event("b", 150, "VaultViaIrregularIp", 10.0);

    @Test
    void aVersionReadByAProcessThatWentOnToItsNextPollIsExpected() {
        ExpectedDeliveries expected = new ExpectedDeliveries(List.of(
                answer(1, 1, 0L, true, A1), answer(2, 1, 100L, true)),
                Map.of("a", List.of(100L, 200L)), Map.of("a", 200L));

        assertThat(expected.owed(Sink.FILE)).containsExactlyInAnyOrder("security-events/a/100", "security-events/a/200");
    }

    @Test
    void aVersionOnlyAKilledProcessReadAndThatWasSupersededIsNotExpected() {
        ExpectedDeliveries expected = new ExpectedDeliveries(List.of(
                answer(1, 1, 0L, true, A1), answer(2, 2, 0L, true, A2)),
                Map.of("a", List.of(100L, 200L)), Map.of("a", 200L));

        assertThat(expected.owed(Sink.FILE)).containsExactly("security-events/a/200");
        assertThat(expected.served(Sink.FILE)).containsExactlyInAnyOrder("security-events/a/100", "security-events/a/200");
    }

    @Test
    void aVersionTheWatermarkOfAKilledProcessPassedIsExpected() {
        // Process 1 read a/100 and b/150 and was killed before its next poll; process 2 asked from 120 on, so the
        // watermark process 1 left claims a/100 delivered, but not b/150.
        ExpectedDeliveries expected = new ExpectedDeliveries(List.of(
                answer(1, 1, 0L, true, A1, B1), answer(2, 2, 120L, true, A2)),
                Map.of("a", List.of(100L, 200L), "b", List.of(150L, 160L)), Map.of("a", 200L, "b", 160L));

        assertThat(expected.owed(Sink.FILE)).containsExactlyInAnyOrder(
                "security-events/a/100", "security-events/a/200", "security-events/b/160");
    }

    @Test
    void anIncompleteAnswerOwesNothingByItself() {
        ExpectedDeliveries expected = new ExpectedDeliveries(List.of(
                answer(1, 1, 0L, false, A1), answer(2, 1, 0L, true, A2), answer(3, 1, 0L, true)),
                Map.of("a", List.of(100L, 200L)), Map.of("a", 200L));

        assertThat(expected.owed(Sink.FILE)).containsExactly("security-events/a/200");
    }

    @Test
    void everyServedRiskEventIsExpected() {
        Event risk = new Event("r", 42, "RISK_RISKY_SPN", 50.0);
        ExpectedDeliveries expected = new ExpectedDeliveries(List.of(
                new ServedAnswer(1, 1, ServedAnswer.RISK_EVENTS, null, false, List.of(risk))), Map.of(), Map.of());

        assertThat(expected.owed(Sink.WEBHOOK)).containsExactly("risk-events/r/42");
        assertThat(expected.produced(Sink.JMS)).containsExactly("risk-events/r/42");
    }

    @Test
    void routingFollowsTheDefaultPolicy() {
        Event low = new Event("low", 1, "VaultViaIrregularIp", 34.9);
        Event medium = new Event("medium", 1, "VaultViaIrregularIp", 35.0);
        Event high = new Event("high", 1, "VaultViaIrregularIp", 75.0);
        Event theft = new Event("theft", 1, Sink.EMAILED_TYPE, 3.0);
        Event unscored = new Event("unscored", 1, "VaultViaIrregularIp", null);
        ExpectedDeliveries expected = new ExpectedDeliveries(List.of(
                answer(1, 1, 0L, true, low, medium, high, theft, unscored), answer(2, 1, 1L, true)), Map.of(), Map.of());

        assertThat(expected.owed(Sink.FILE)).hasSize(5);
        assertThat(expected.owed(Sink.JMS)).hasSize(5);
        assertThat(expected.owed(Sink.WEBHOOK))
                .containsExactlyInAnyOrder("security-events/medium/1", "security-events/high/1");
        assertThat(expected.owed(Sink.EMAIL))
                .containsExactlyInAnyOrder("security-events/high/1", "security-events/theft/1");
    }

    @Test
    void anEventNoAnswerHeldCountsOnlyForTheSinksThatTakeEveryEvent() {
        ExpectedDeliveries expected = new ExpectedDeliveries(List.of(), Map.of("x", List.of(5L)), Map.of());

        assertThat(expected.produced(Sink.FILE)).containsExactly("security-events/x/5");
        assertThat(expected.produced(Sink.WEBHOOK)).isEmpty();
        assertThat(expected.wasServed("security-events/x/5")).isFalse();
    }

    private static ServedAnswer answer(long request, int session, Long since, boolean complete, Event... events) {
        return new ServedAnswer(request, session, SECURITY, since, complete, List.of(events));
    }
}
