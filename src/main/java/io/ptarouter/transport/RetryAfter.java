package io.ptarouter.transport;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * The {@code Retry-After} header of an HTTP answer (RFC 9110, section 10.2.3): how long the server
 * asks the client to wait, given as delta-seconds ({@code 120}) or as an HTTP-date
 * ({@code Sat, 21 Nov 2026 10:00:02 GMT}, or one of the two obsolete formats a client must still read).
 */
public final class RetryAfter {

    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.RFC_1123_DATE_TIME;
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);

    /** The answers whose Retry-After asks the client to wait before trying again (RFC 9110). */
    private static final Set<Integer> WAIT_STATUS = Set.of(429, 503);

    private RetryAfter() {
    }

    /**
     * The wait a failed HTTP call asked for: its Retry-After when it answered 429 or 503 with one
     * (header names in any case), else empty.
     */
    public static Optional<Duration> askedBy(HttpOperationFailedException failure, Instant now) {
        if (!WAIT_STATUS.contains(failure.getStatusCode())) {
            return Optional.empty();
        }
        Map<String, String> headers = failure.getResponseHeaders();
        return delay(header(headers, "Retry-After"), header(headers, "Date"), now);
    }

    private static String header(Map<String, String> headers, String name) {
        if (headers == null) {
            return null;
        }
        return headers.entrySet().stream().filter(h -> name.equalsIgnoreCase(h.getKey()))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /**
     * The wait asked for, or empty when the header is absent or malformed. An HTTP-date is measured
     * from the answer's own {@code Date} header when it has a readable one, so the two clocks need not
     * agree, and from {@code now} otherwise; a date already past asks for no wait.
     */
    public static Optional<Duration> delay(String retryAfter, String date, Instant now) {
        if (retryAfter == null || retryAfter.isBlank()) {
            return Optional.empty();
        }
        String value = retryAfter.trim();
        if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.of(seconds(value));
        }
        return httpDate(value, now).map(until -> {
            Instant from = date == null ? now : httpDate(date.trim(), now).orElse(now);
            Duration wait = Duration.between(from, until);
            return wait.isNegative() ? Duration.ZERO : wait;
        });
    }

    /** Delta-seconds too large for a long is still a valid answer: a very long wait. */
    private static Duration seconds(String digits) {
        try {
            return Duration.ofSeconds(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(Long.MAX_VALUE);
        }
    }

    private static Optional<Instant> httpDate(String value, Instant now) {
        for (DateTimeFormatter format : List.of(IMF_FIXDATE, rfc850(now), ASCTIME)) {
            try {
                return Optional.of(Instant.from(format.parse(value)));
            } catch (DateTimeParseException e) {
                // try the next format
            }
        }
        return Optional.empty();
    }

    /** Sunday, 06-Nov-94 08:49:37 GMT: a two-digit year more than 50 years ahead is in the past century. */
    private static DateTimeFormatter rfc850(Instant now) {
        int base = now.atZone(ZoneOffset.UTC).getYear() - 49;
        return new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                .appendValueReduced(ChronoField.YEAR, 2, 2, base)
                .appendPattern(" HH:mm:ss 'GMT'")
                .toFormatter(Locale.US).withZone(ZoneOffset.UTC);
    }
}
