package io.ptarouter.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Retry-After as RFC 9110 has it: delta-seconds, or an HTTP-date in any of its three formats. */
class RetryAfterTest {

    private static final Instant NOW = Instant.parse("1994-11-06T08:49:30Z");

    @Test
    void deltaSecondsIsThatManySeconds() {
        assertThat(RetryAfter.delay("120", null, NOW)).hasValue(Duration.ofSeconds(120));
        assertThat(RetryAfter.delay(" 0 ", null, NOW)).hasValue(Duration.ZERO);
    }

    @Test
    void deltaSecondsTooLargeForALongIsAVeryLongWait() {
        assertThat(RetryAfter.delay("99999999999999999999", null, NOW)).hasValue(Duration.ofSeconds(Long.MAX_VALUE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"})
    void anHttpDateInEachOfItsFormatsIsTheTimeUntilThen(String date) {
        assertThat(RetryAfter.delay(date, null, NOW)).hasValue(Duration.ofSeconds(7));
    }

    @Test
    void aTwoDigitYearMoreThanFiftyYearsAheadIsInThePastCentury() {
        // seen in 1994: 45 is 1945 (2045 would be 51 years ahead), 44 is 2044 (50 years ahead)
        assertThat(RetryAfter.delay("Tuesday, 06-Nov-45 08:49:37 GMT", null, NOW)).as("1945").hasValue(Duration.ZERO);
        assertThat(RetryAfter.delay("Sunday, 06-Nov-44 08:49:37 GMT", null, NOW)).as("2044")
                .hasValueSatisfying(wait -> assertThat(wait).isGreaterThan(Duration.ofDays(365 * 49)));
    }

    @Test
    void anHttpDateCountsFromTheAnswersDateHeaderWhenThereIsOne() {
        assertThat(RetryAfter.delay("Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:35 GMT", Instant.EPOCH))
                .hasValue(Duration.ofSeconds(2));
        assertThat(RetryAfter.delay("Sun, 06 Nov 1994 08:49:37 GMT", "not a date", NOW)).hasValue(Duration.ofSeconds(7));
    }

    @Test
    void anHttpDateInThePastAsksForNoWait() {
        assertThat(RetryAfter.delay("Sun, 06 Nov 1994 08:49:00 GMT", null, NOW)).hasValue(Duration.ZERO);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "soon", "-5", "1.5", "5s", "Sun, 06 Nov 1994", "tomorrow 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 CET"})
    void anAbsentOrMalformedValueAsksForNothing(String value) {
        assertThat(RetryAfter.delay(value, null, NOW)).isEmpty();
    }
}
