package io.ptarouter.sink;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;

/**
 * Reports a sink that did not accept an event, in one line an operator can act on. HTTP failures
 * are reported by status only: a webhook URL often carries its secret in the path or query.
 */
public final class DeliveryFailures {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryFailures.class);

    public void report(Exchange exchange) {
        PollTracker.poll(exchange).markDeliveryFailed();
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason;
        if (cause instanceof HttpOperationFailedException http) {
            reason = "the receiver answered HTTP " + http.getStatusCode();
        } else if (cause == null) {
            reason = "unknown error";
        } else {
            reason = describe(cause);
            Throwable root = rootCause(cause);
            if (root != cause) {
                // "Could not connect to SMTP host" alone hides that the server's certificate was refused
                reason += " (" + describe(root) + ")";
            }
        }
        String sink = exchange.getProperty(ExchangePropertyKey.FAILURE_ROUTE_ID, "a sink", String.class);
        LOG.error("{} did not deliver {}: {}", sink,
                exchange.getProperty(EventClassifier.DELIVERY_KEY, "(unknown event)", String.class), reason);
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        for (int depth = 0; depth < 20 && root.getCause() != null && root.getCause() != root; depth++) {
            root = root.getCause();
        }
        return root;
    }
}
