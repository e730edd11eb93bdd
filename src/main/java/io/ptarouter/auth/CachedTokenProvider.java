package io.ptarouter.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one token for all polls of all streams and logs on only when there is none, it is about
 * to expire, or PTA refused it. After the identity provider rejects the credentials, no further
 * logon is attempted for a configurable time: a poll every minute with a wrong password would
 * otherwise lock the vault user within minutes.
 */
public abstract class CachedTokenProvider extends ServiceSupport implements TokenProvider {

    private static final Logger LOG = LoggerFactory.getLogger(CachedTokenProvider.class);

    /** A token and when it stops being usable ({@code null}: no known lifetime). */
    protected record Token(String headerValue, Instant expiresAt) {
    }

    private final Duration rejectionBackoff;
    private final Clock clock;
    private Token current;
    private Instant refusedUntil;
    private String refusal;

    protected CachedTokenProvider(Duration rejectionBackoff, Clock clock) {
        this.rejectionBackoff = rejectionBackoff;
        this.clock = clock;
    }

    /** Logs on and returns the new token; throws {@link LogonException} on failure. */
    protected abstract Token logon();

    /** Ends the session of a token that is no longer needed; best effort. Returns what the server answered. */
    protected LogoffOutcome logoff(Token token) {
        return new LogoffOutcome(true, "no session to end");
    }

    /** What a logoff came to: {@code ended} when the server answered 2xx (or there is nothing to end). */
    public record LogoffOutcome(boolean ended, String description) {
    }

    /** Ends the current session now rather than at stop (the check mode's log off); the next call logs on again. */
    public synchronized LogoffOutcome endSession() {
        if (current == null) {
            return new LogoffOutcome(true, "no session to end");
        }
        Token ending = current;
        current = null;
        return logoff(ending);
    }

    /** What is logged for a successful logon, e.g. "PVWA logon as 'reader' (CyberArk)". */
    protected abstract String describe();

    @Override
    public synchronized String authorization() {
        Instant now = clock.instant();
        if (current != null && (current.expiresAt() == null || now.isBefore(current.expiresAt()))) {
            return current.headerValue();
        }
        if (refusedUntil != null && now.isBefore(refusedUntil)) {
            throw new LogonException(refusal + "; no new logon attempt before " + refusedUntil
                                     + " so the user is not locked out", true);
        }
        try {
            current = logon();
            refusedUntil = null;
            LOG.info("{} succeeded", describe());
            return current.headerValue();
        } catch (LogonException e) {
            if (e.credentialsRejected()) {
                refusedUntil = now.plus(rejectionBackoff);
                refusal = e.getMessage();
                LOG.error("{}. Fix the credentials; polls will not try to log on again before {}", e.getMessage(), refusedUntil);
            }
            throw e;
        }
    }

    @Override
    public synchronized String renew(String rejected) {
        if (current != null && current.headerValue().equals(rejected)) {
            current = null;
        }
        return authorization();
    }

    @Override
    protected synchronized void doStop() {
        if (current != null) {
            Token ending = current;
            current = null;
            logoff(ending);
        }
    }
}
