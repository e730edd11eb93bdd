package io.ptarouter.pta;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;

import io.ptarouter.state.Watermarks;

/**
 * Builds the query of {@code GET .../pta/API/Events/}: the lower bound is the stream's watermark
 * less the overlap window (or now minus the first-poll look-back), in milliseconds (PTA 11.3+) or seconds, sent as the
 * {@code fromUpdateDate} parameter or, before 11.3, as the {@code lastUpdatedEventDate} header.
 */
public final class SecurityEventsQuery {

    public static final String LEGACY_HEADER = "lastUpdatedEventDate";

    public enum Unit { ms, s }

    public enum Since { query, header }

    private final Watermarks watermarks;
    private final Duration overlap;
    private final Duration initialLookback;
    private final Unit unit;
    private final Since since;
    private final Optional<String> status;
    private final Optional<String> accountId;
    private final Clock clock;

    public SecurityEventsQuery(Watermarks watermarks, Duration overlap, Duration initialLookback, Unit unit, Since since,
                               Optional<String> status, Optional<String> accountId, Clock clock) {
        this.watermarks = watermarks;
        this.overlap = overlap;
        this.initialLookback = initialLookback;
        this.unit = unit;
        this.since = since;
        this.status = status;
        this.accountId = accountId;
        this.clock = clock;
    }

    public void prepare(Exchange exchange) {
        Poll poll = PollTracker.poll(exchange);
        // Re-read the overlap window before the watermark, so that equal timestamps and clock skew lose
        // nothing: what was delivered there is recognised and skipped.
        long fromMillis = watermarks.get(poll.stream().id()).stream().map(mark -> mark - overlap.toMillis()).findFirst()
                .orElseGet(() -> clock.millis() - initialLookback.toMillis());
        poll.lowerBound(fromMillis);
        String bound = Long.toString(unit == Unit.ms ? fromMillis : fromMillis / 1000);

        List<String> query = new ArrayList<>();
        if (since == Since.query) {
            query.add("fromUpdateDate=" + bound);
        } else {
            exchange.getMessage().setHeader(LEGACY_HEADER, bound);
        }
        status.ifPresent(s -> query.add("status=" + QueryText.encode(s)));
        accountId.ifPresent(a -> query.add("accountID=" + QueryText.encode(a)));
        exchange.getMessage().setHeader(Exchange.HTTP_PATH, "/Events/");
        exchange.getMessage().setHeader(Exchange.HTTP_QUERY, String.join("&", query));
    }
}
