package io.ptarouter.pta;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.auth.LogonException;
import io.ptarouter.transport.RetryAfter;

/**
 * The retry policy of a PTA call, as the {@code retryWhile} of the error handler of the route
 * {@code pta-call}: a failure is tried again when it is transient (429, 500, 502, 503, 504, a
 * connection refused, reset or closed without an answer, a timeout) and attempts are left. The wait
 * is the retry delay, doubled after each attempt up to the maximum, or what PTA asks for with
 * {@code Retry-After} on 429 and 503; a longer wait than the maximum gives up on this poll instead.
 * <p>
 * Camel asks this predicate before it computes the wait, so the wait is set here, in the header
 * {@link Exchange#REDELIVERY_DELAY} that overrides Camel's own computation: that way the wait that
 * is logged is the wait that happens.
 */
public final class TransientFailures implements Predicate {

    /** Exchange property: the failure to report instead of PTA's answer when retrying stopped early. */
    public static final String GAVE_UP = "ptaRetryGaveUp";

    private static final Logger LOG = LoggerFactory.getLogger(TransientFailures.class);
    private static final Set<Integer> RETRIED_STATUS = Set.of(429, 500, 502, 503, 504);

    private final int maxRetries;
    private final Duration retryDelay;
    private final Duration maxRetryDelay;
    private final Clock clock;

    public TransientFailures(int maxRetries, Duration retryDelay, Duration maxRetryDelay, Clock clock) {
        this.maxRetries = maxRetries;
        this.retryDelay = retryDelay;
        this.maxRetryDelay = maxRetryDelay;
        this.clock = clock;
    }

    @Override
    public boolean matches(Exchange exchange) {
        // Camel asks through its bean language, on a copy of the exchange without the exception (it is
        // in EXCEPTION_CAUGHT), and copies the headers and properties set here back to the exchange.
        Exception failure = exchange.getException() != null
                ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        // Camel has counted this failure already: after the first attempt failed, this is 1.
        int failedAttempts = exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 1, Integer.class);
        Optional<String> what = describeTransient(failure);
        if (what.isEmpty() || failedAttempts > maxRetries) {
            return false;
        }
        Duration wait = backoff(failedAttempts);
        Optional<Duration> asked = retryAfter(failure);
        if (asked.isPresent()) {
            if (asked.get().compareTo(maxRetryDelay) > 0) {
                exchange.setProperty(GAVE_UP, new PtaBusyException(what.get() + " and asked to wait "
                        + describe(asked.get()) + " (Retry-After), more than pta.http.max-retry-delay ("
                        + describe(maxRetryDelay) + "): giving up on this poll, the next one tries again", failure));
                return false;
            }
            wait = asked.get();
        }
        exchange.getIn().setHeader(Exchange.REDELIVERY_DELAY, wait.toMillis());
        LOG.warn("{}, retrying in {} (attempt {} of {})", what.get(), describe(wait), failedAttempts + 1, maxRetries + 1);
        return true;
    }

    /** The retry delay doubled for each attempt after the first, at most the maximum. */
    private Duration backoff(int failedAttempts) {
        Duration wait = retryDelay;
        for (int i = 1; i < failedAttempts && wait.compareTo(maxRetryDelay) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : wait;
    }

    /**
     * What went wrong, for the log, if it is worth another attempt. Never the URL: its query is
     * PTA's, and a failed HTTP call's message carries it.
     */
    static Optional<String> describeTransient(Throwable failure) {
        if (failure instanceof HttpOperationFailedException http) {
            return RETRIED_STATUS.contains(http.getStatusCode())
                    ? Optional.of("PTA answered " + http.getStatusCode())
                    : Optional.empty();
        }
        // The logon (when the call needs a new token) and a TLS layer wrap the socket's failure: look at the causes.
        String call = failure instanceof LogonException ? "PVWA logon" : "PTA call";
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof SocketException
                || t instanceof NoHttpResponseException || t instanceof ConnectionClosedException) {
                return Optional.of(call + " failed (" + t.getClass().getSimpleName() + ": " + t.getMessage() + ")");
            }
        }
        return Optional.empty();
    }

    private Optional<Duration> retryAfter(Exception failure) {
        return failure instanceof HttpOperationFailedException http ? RetryAfter.askedBy(http, clock.instant())
                : Optional.empty();
    }

    /** 250 ms, 2 s, 1.5 s. */
    static String describe(Duration duration) {
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return duration.toMillis() + " ms";
        }
        if (duration.toMillisPart() == 0) {
            return duration.getSeconds() + " s"; // also a Retry-After of many years
        }
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }
}
