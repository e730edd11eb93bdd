package io.ptarouter.pta;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;

import io.ptarouter.state.Watermarks;

/**
 * Builds the query of one page of {@code GET .../pta/API/Risks/RisksEvents/}. With
 * {@code detectionTimeFilter} (PTA 14.0+) the stream's watermark is added to the user's filter as
 * {@code detectionTime gte "<ms>"}.
 */
public final class RiskEventsQuery {

    public static final String PAGE = "ptaPage";

    private final Watermarks watermarks;
    private final Duration overlap;
    private final Optional<String> filter;
    private final Optional<String> sort;
    private final int pageSize;
    private final boolean detectionTimeFilter;

    public RiskEventsQuery(Watermarks watermarks, Duration overlap, Optional<String> filter, Optional<String> sort,
                           int pageSize, boolean detectionTimeFilter) {
        this.watermarks = watermarks;
        this.overlap = overlap;
        this.filter = filter;
        this.sort = sort;
        this.pageSize = pageSize;
        this.detectionTimeFilter = detectionTimeFilter;
    }

    public void prepare(Exchange exchange) {
        Poll poll = PollTracker.poll(exchange);
        int page = exchange.getProperty(PAGE, 0, Integer.class);
        List<String> query = new ArrayList<>();
        effectiveFilter(poll).ifPresent(f -> query.add("filter=" + QueryText.encode(f)));
        sort.ifPresent(s -> query.add("sort=" + QueryText.encode(s)));
        query.add("page=" + page);
        query.add("size=" + pageSize);
        exchange.getMessage().setHeader(Exchange.HTTP_PATH, "/Risks/RisksEvents/");
        exchange.getMessage().setHeader(Exchange.HTTP_QUERY, String.join("&", query));
    }

    private Optional<String> effectiveFilter(Poll poll) {
        if (!detectionTimeFilter) {
            return filter;
        }
        var mark = watermarks.get(poll.stream().id());
        if (mark.isEmpty()) {
            return filter;
        }
        // Re-read the overlap window: what was delivered there is recognised and skipped.
        long from = mark.getAsLong() - overlap.toMillis();
        poll.lowerBound(from);
        String since = "detectionTime gte \"" + from + "\"";
        return Optional.of(filter.map(f -> f + " AND " + since).orElse(since));
    }
}
