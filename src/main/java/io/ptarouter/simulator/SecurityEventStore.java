package io.ptarouter.simulator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * The simulated PTA's security events. Events are immutable and replaced on change, so {@link #snapshot()} is a
 * cheap consistent copy that a response can stream while changes go on.
 */
final class SecurityEventStore {

    /** How many of the newest open events the extra updates of a change step choose from. */
    private static final int RECENT = 8;

    private final Object lock = new Object();
    private final SecurityEventFactory factory;
    private final Random changes;
    private final LongSupplier clock;
    private final List<SecurityEvent> events = new ArrayList<>();
    private final Map<String, Integer> indexById = new HashMap<>();
    /** Every lastUpdateTime each event ever had, oldest first, including versions no client saw. */
    private final Map<String, List<Long>> history = new LinkedHashMap<>();
    private long lastIssuedTime;
    private int updates;

    SecurityEventStore(int initialEvents, long seed, LongSupplier clock) {
        this.factory = new SecurityEventFactory(seed);
        this.changes = new Random(seed * 31 + 7);
        this.clock = clock;
        long start = clock.getAsLong();
        for (int i = 0; i < initialEvents; i++) {
            add(factory.historic(start));
        }
        lastIssuedTime = events.stream().mapToLong(SecurityEvent::lastUpdateTime).max().orElse(start);
    }

    List<SecurityEvent> snapshot() {
        synchronized (lock) {
            return List.copyOf(events);
        }
    }

    /** Id to lastUpdateTime of every event: what a client that missed nothing has delivered. */
    Map<String, Long> versions() {
        synchronized (lock) {
            Map<String, Long> versions = new LinkedHashMap<>();
            events.forEach(event -> versions.put(event.id(), event.lastUpdateTime()));
            return versions;
        }
    }

    /** Id to every lastUpdateTime the event had, oldest first: each version produced, whether served or not. */
    Map<String, List<Long>> history() {
        synchronized (lock) {
            Map<String, List<Long>> copy = new LinkedHashMap<>();
            history.forEach((id, versions) -> copy.put(id, List.copyOf(versions)));
            return copy;
        }
    }

    int size() {
        synchronized (lock) {
            return events.size();
        }
    }

    /** One change step: an open event aggregates a new audit (every fourth update also closes it), and a new event appears. */
    void tick() {
        tick(1);
    }

    /**
     * One change step with {@code updates} updates: the first as in {@link #tick()}, the others to one of the most
     * recently raised open events (PTA aggregates repeated activity soon after it raised an event, so an event often
     * changes again before a client polls); then a new event appears.
     */
    void tick(int updates) {
        synchronized (lock) {
            for (int i = 0; i < updates; i++) {
                int target = i == 0 ? pickUpdateTarget() : pickRecentOpenEvent();
                if (target >= 0) {
                    update(target);
                }
            }
            add(factory.fresh(nextTime()));
        }
    }

    private void update(int target) {
        SecurityEvent event = events.get(target);
        SecurityEvent updated = event.withAudit(factory.nextAudit(event, nextTime()));
        if (++updates % 4 == 0) {
            updated = updated.withStatus(SecurityEvent.CLOSED, "HANDLED", "Closed by the simulator",
                    updated.lastUpdateTime());
        }
        set(target, updated);
    }

    /** The PATCH of the Events API; closing or reopening is an update, so lastUpdateTime moves on. */
    Optional<SecurityEvent> changeStatus(String id, String status, String closeReason, String reasonText) {
        synchronized (lock) {
            Integer index = indexById.get(id);
            if (index == null) {
                return Optional.empty();
            }
            SecurityEvent event = events.get(index);
            SecurityEvent updated = event.withStatus(
                    status == null ? event.status() : status,
                    closeReason == null ? event.closeReason() : closeReason,
                    reasonText == null ? event.reasonText() : reasonText,
                    nextTime());
            set(index, updated);
            return Optional.of(updated);
        }
    }

    private int pickUpdateTarget() {
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).isOpen()) {
                open.add(i);
            }
        }
        if (!open.isEmpty()) {
            return open.get(changes.nextInt(open.size()));
        }
        return events.isEmpty() ? -1 : changes.nextInt(events.size());
    }

    /** Events are only ever appended, so the last ones in the list are the most recently raised. */
    private int pickRecentOpenEvent() {
        List<Integer> recent = new ArrayList<>();
        for (int i = events.size() - 1; i >= 0 && recent.size() < RECENT; i--) {
            if (events.get(i).isOpen()) {
                recent.add(i);
            }
        }
        return recent.isEmpty() ? pickUpdateTarget() : recent.get(changes.nextInt(recent.size()));
    }

    /** Every change gets a later timestamp than any before it, even within one millisecond, as a watermark needs. */
    private long nextTime() {
        lastIssuedTime = Math.max(clock.getAsLong(), lastIssuedTime + 1);
        return lastIssuedTime;
    }

    private void add(SecurityEvent event) {
        indexById.put(event.id(), events.size());
        events.add(event);
        history.computeIfAbsent(event.id(), id -> new ArrayList<>()).add(event.lastUpdateTime());
    }

    private void set(int index, SecurityEvent updated) {
        events.set(index, updated);
        history.get(updated.id()).add(updated.lastUpdateTime());
    }
}
