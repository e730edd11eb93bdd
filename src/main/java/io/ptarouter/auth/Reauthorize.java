package io.ptarouter.auth;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs before the one retry of a PTA call that was answered 401 or 403: drops the refused token,
 * logs on again and puts the new token on the message, since the retry re-sends this message and
 * would otherwise send the refused token again.
 */
public final class Reauthorize implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(Reauthorize.class);
    public static final String HEADER = "Authorization";

    private final TokenProvider tokens;

    public Reauthorize(TokenProvider tokens) {
        this.tokens = tokens;
    }

    @Override
    public void process(Exchange exchange) {
        // doCatch has moved the exception aside into this property.
        HttpOperationFailedException refusal = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, HttpOperationFailedException.class);
        LOG.info("PTA refused the session token ({}); logging on again and retrying the call once",
                refusal == null ? "401/403" : refusal.getStatusCode());
        String rejected = exchange.getMessage().getHeader(HEADER, String.class);
        exchange.getMessage().setHeader(HEADER, tokens.renew(rejected));
    }
}
