package io.ptarouter.pta;

import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeExtension;
import org.apache.camel.Processor;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Hands the failure of a PTA call back to the poll that made it, once the route {@code pta-call}
 * has stopped retrying, so that the poll's error handler reports it and keeps the watermark.
 * <p>
 * Why Java: when an error handler gives up, Camel marks the exchange as "failure handled", "not
 * handled" and perhaps "exhausted", and the poll route's error handler, seeing those marks, would
 * neither report the failure nor handle it: the poll would end at Quartz, unreported. No YAML step
 * clears them ({@code doCatch} clears only "exhausted"). Nor can the retries move to the poll routes'
 * error handler, where no marks would be in the way: that handler covers every step of a poll, the
 * sinks included, and would copy every event's exchange in case it had to be redelivered.
 */
public final class HandBackToPoll implements Processor {

    @Override
    public void process(Exchange exchange) throws Exception {
        Exception failure = exchange.getProperty(TransientFailures.GAVE_UP, Exception.class);
        exchange.removeProperty(TransientFailures.GAVE_UP);
        if (failure == null) {
            // doCatch has moved the exception aside into this property
            failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        }
        if (failure == null) {
            failure = new IllegalStateException("a PTA call failed without saying why");
        }
        if (failure instanceof HttpOperationFailedException http && http.getStatusCode() >= 300 && http.getStatusCode() < 400) {
            // Not PTA's answer but a redirect (followed by nothing): said as such, without the URLs' queries.
            failure = AnswerCheck.unexpected(exchange.getMessage().getHeader(Exchange.HTTP_PATH, "", String.class),
                    http.getStatusCode(), header(http, "Content-Type"), http.getRedirectLocation());
        }
        ExchangeExtension marks = exchange.getExchangeExtension();
        marks.setFailureHandled(false);
        marks.setErrorHandlerHandled(null);
        marks.setRedeliveryExhausted(false);
        throw failure;
    }

    private static String header(HttpOperationFailedException http, String name) {
        if (http.getResponseHeaders() == null) {
            return null;
        }
        return http.getResponseHeaders().entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }
}
