package io.ptarouter.update;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * Whether a request to the update endpoint carries {@code Authorization: Bearer <pta.updates.http.token>}. Both
 * sides are hashed before a constant-time comparison, so neither the content nor the length of the token leaks
 * through the time an answer takes. Hand-written: Camel's platform-http has no bearer-token check of its own.
 */
public final class UpdateToken implements Predicate {

    private static final String BEARER = "Bearer ";

    private final byte[] expected;

    public UpdateToken(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("the token must not be empty");
        }
        this.expected = sha256(token);
    }

    @Override
    public boolean matches(Exchange exchange) {
        String header = exchange.getMessage().getHeader("Authorization", String.class);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(expected, sha256(header.substring(BEARER.length()).strip()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
