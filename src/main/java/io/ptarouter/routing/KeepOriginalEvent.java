package io.ptarouter.routing;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * How the dispatch's multicast ends: the event's own exchange goes on as it came in, and a failure
 * that a sink's error handler did not take care of still fails it. Camel's default strategy keeps
 * the last sink's copy and copies it back over the event's exchange, headers and properties and
 * all, for every event, though nothing after the dispatch reads what the sinks did to their copies.
 */
public final class KeepOriginalEvent implements AggregationStrategy {

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        throw new UnsupportedOperationException("the multicast passes its input exchange");
    }

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange, Exchange inputExchange) {
        if (newExchange != null && newExchange.getException() != null) {
            inputExchange.setException(newExchange.getException());
        }
        return inputExchange;
    }
}
