package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a poll remembers of the versions it let go of: never a miss, and a false yes too rare to cost anything. */
class BloomFilterTest {

    @Test
    void everyStringAddedIsFoundAcrossItsGrowingSegmentsAndAlmostNoOtherIs() {
        BloomFilter filter = new BloomFilter(50_000, 42);
        for (int i = 0; i < 1_000_000; i++) {
            filter.add("security-events/" + i + "/1795251600000");
        }

        int missed = 0;
        int falseYes = 0;
        for (int i = 0; i < 1_000_000; i++) {
            missed += filter.mightContain("security-events/" + i + "/1795251600000") ? 0 : 1;
            falseYes += filter.mightContain("security-events/" + i + "/1795251600001") ? 1 : 0;
        }

        assertThat(missed).isZero();
        assertThat(falseYes).as("false yes among a million others").isLessThanOrEqualTo(5);
    }
}
