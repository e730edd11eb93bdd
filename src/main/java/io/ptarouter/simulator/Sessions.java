package io.ptarouter.simulator;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/** PVWA logon sessions: the tokens handed out, when they lapse, and how many logons and logoffs there were. */
final class Sessions {

    private record Session(String user, long issuedNanos, int number) {
    }

    private final Map<String, Session> byToken = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final AtomicInteger logons = new AtomicInteger();
    private final AtomicInteger logoffs = new AtomicInteger();

    Sessions(Duration ttl, LongSupplier nanoClock) {
        this.ttlNanos = saturatedNanos(ttl);
        this.nanoClock = nanoClock;
    }

    /**
     * Opens a session. Without {@code concurrentSession} PVWA ends the user's earlier sessions, which is why clients
     * must ask for it: the simulator does the same so that mistake shows up in tests.
     */
    synchronized String open(String user, boolean concurrentSession) {
        if (!concurrentSession) {
            byToken.values().removeIf(session -> session.user().equalsIgnoreCase(user));
        }
        byte[] bytes = new byte[48];
        random.nextBytes(bytes);
        String token = encoder.encodeToString(bytes);
        byToken.put(token, new Session(user, nanoClock.getAsLong(), logons.incrementAndGet()));
        return token;
    }

    boolean isValid(String token) {
        return number(token).isPresent();
    }

    /** The number of the valid session the token belongs to (1 for the first logon), or empty if it is not valid. */
    OptionalInt number(String token) {
        if (token == null) {
            return OptionalInt.empty();
        }
        Session session = byToken.get(token);
        if (session == null) {
            return OptionalInt.empty();
        }
        if (nanoClock.getAsLong() - session.issuedNanos() >= ttlNanos) {
            byToken.remove(token, session);
            return OptionalInt.empty();
        }
        return OptionalInt.of(session.number());
    }

    boolean close(String token) {
        if (!isValid(token)) {
            return false;
        }
        if (byToken.remove(token) == null) {
            return false;
        }
        logoffs.incrementAndGet();
        return true;
    }

    void expireAll() {
        byToken.clear();
    }

    int logonCount() {
        return logons.get();
    }

    int logoffCount() {
        return logoffs.get();
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
