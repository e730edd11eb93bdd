package io.ptarouter.sink;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;
import io.ptarouter.transport.RetryAfter;

/**
 * What happens when a sink does not accept an event. {@link #shouldRetry} tells Camel's redelivery
 * whether another attempt now can help (not when the receiver refused this event for good); {@link #report} then reports the failure in one line an
 * operator can act on and tells the poll's ledger, which retries it next poll or parks it in the
 * dead-letter store. HTTP failures are reported by status only: a webhook URL often carries its
 * secret in the path or query.
 */
public final class DeliveryFailures {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryFailures.class);

    private final int maxRedeliveries;
    private final Duration maxDelay;

    /**
     * {@code maxRedeliveries}: attempts after the first (Camel's retryWhile replaces its own count);
     * {@code maxDelay}: the longest wait a receiver's Retry-After may ask for.
     */
    public DeliveryFailures(int maxRedeliveries, Duration maxDelay) {
        this.maxRedeliveries = maxRedeliveries;
        this.maxDelay = maxDelay;
    }

    /**
     * Camel's redelivery asks before each new attempt. A 429 or 503 with Retry-After sets that wait
     * (Camel reads the delay header after this answer); a wait beyond the cap is not waited for here:
     * the event stays owed and the next poll tries again.
     */
    public boolean shouldRetry(Exchange exchange) {
        int next = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 1, Integer.class);
        // Camel asks on a copy of the exchange without the exception: it is in EXCEPTION_CAUGHT.
        Throwable cause = exchange.getException() != null
                ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        // Camel counts the attempt about to be made: 1 before the first redelivery.
        if (next > maxRedeliveries || isPermanent(cause)) {
            return false;
        }
        if (cause instanceof HttpOperationFailedException http) {
            Optional<Duration> wait = RetryAfter.askedBy(http, Instant.now());
            if (wait.isPresent()) {
                if (wait.get().compareTo(maxDelay) > 0) {
                    return false; // the event stays owed: the next poll tries again
                }
                exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, wait.get().toMillis());
            }
        }
        return true;
    }

    public void report(Exchange exchange) {
        Poll poll = PollTracker.poll(exchange);
        poll.markDeliveryFailed();
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String sink = exchange.getProperty(PollTracker.SINK, String.class);
        EmailDigest digest = exchange.getProperty(EmailDigest.PROPERTY, EmailDigest.class);
        String key = digest != null ? digest.toString()
                : exchange.getProperty(EventClassifier.DELIVERY_KEY, "(unknown event)", String.class);
        boolean permanent = isPermanent(cause);
        if (sink != null && digest != null) {
            for (EmailDigest.Event event : digest.events()) {
                poll.ledger().failed(event.key(), sink, event.envelope(), cause, permanent);
            }
            digest.settled(poll, false);
        } else if (sink != null) {
            poll.ledger().failed(key, sink, exchange.getProperty(PollTracker.ENVELOPE, String.class), cause, permanent);
        }
        String route = exchange.getProperty(ExchangePropertyKey.FAILURE_ROUTE_ID, "a sink", String.class);
        LOG.error("{} did not deliver {}: {}{}", route, key, describe(cause),
                permanent ? " (refused for good: parked in the dead-letter store)" : " (retried next poll)");
    }

    /** How a failure is named in logs and in the dead-letter store: never a URL, which may carry a secret. */
    public static String describe(Throwable cause) {
        if (cause instanceof HttpOperationFailedException http) {
            return "the receiver answered HTTP " + http.getStatusCode();
        }
        if (cause == null) {
            return "unknown error";
        }
        String reason = name(cause);
        Throwable root = rootCause(cause);
        if (root != cause) {
            // "Could not connect to SMTP host" alone hides that the server's certificate was refused
            reason += " (" + name(root) + ")";
        }
        return reason;
    }

    /** A refusal that no retry can change: an HTTP 4xx other than 408, 425 and 429, an SMTP 5xx. */
    static boolean isPermanent(Throwable cause) {
        for (Throwable e = cause; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof HttpOperationFailedException http) {
                int status = http.getStatusCode();
                return status >= 400 && status < 500 && status != 408 && status != 425 && status != 429;
            }
            if (e instanceof SMTPSendFailedException smtp) {
                return smtp.getReturnCode() >= 500;
            }
            if (e instanceof SMTPAddressFailedException smtp) {
                return smtp.getReturnCode() >= 500;
            }
        }
        return false;
    }

    private static String name(Throwable e) {
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
