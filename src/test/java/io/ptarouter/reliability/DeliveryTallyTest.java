package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeliveryTallyTest {

    private final DeliveryTally tally = new DeliveryTally();

    @Test
    void aResendWithTheSameKeyIsNoDuplicateForAReceiverThatDeduplicatesByKey() {
        tally.record("s/a/1", "s/a/1/webhook");
        tally.record("s/a/1", "s/a/1/webhook");
        tally.record("s/b/1", "s/b/1/webhook");

        assertThat(tally.keys()).containsExactlyInAnyOrder("s/a/1", "s/b/1");
        assertThat(tally.copies()).isEqualTo(3);
        assertThat(tally.resends()).isEqualTo(1);
        assertThat(tally.duplicates()).isZero();
        assertThat(tally.keyMismatches(key -> key + "/webhook")).isZero();
    }

    @Test
    void copiesWithoutAKeyOrWithAnotherKeyAreDuplicates() {
        tally.record("s/a/1", null);
        tally.record("s/a/1", null);
        tally.record("s/b/1", "random-1");
        tally.record("s/b/1", "random-2");

        assertThat(tally.resends()).isEqualTo(2);
        assertThat(tally.duplicates()).isEqualTo(2);
        assertThat(tally.keyMismatches(key -> key + "/webhook")).isEqualTo(4);
        assertThat(tally.sampleOfRepeats(5)).hasSize(2);
    }

    @Test
    void anUnreadableCopyCountsButDeliversNothing() {
        tally.recordUnreadable();

        assertThat(tally.copies()).isEqualTo(1);
        assertThat(tally.unreadable()).isEqualTo(1);
        assertThat(tally.keys()).isEmpty();
    }
}
