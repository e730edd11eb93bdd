package io.ptarouter.reliability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * What one receiver got, by delivery key ({@code <stream>/<id>/<version>}): how many copies, and under which
 * de-duplication key each came (Idempotency-Key, Message-ID, {@code _AMQ_DUPL_ID}). Receivers call it from their own
 * threads.
 */
final class DeliveryTally {

    private final Map<String, List<String>> dedupKeysByVersion = new HashMap<>();
    private int unreadable;

    /** One copy of a version; {@code dedupKey} is null when the copy carried none. */
    synchronized void record(String deliveryKey, String dedupKey) {
        dedupKeysByVersion.computeIfAbsent(Objects.requireNonNull(deliveryKey), key -> new ArrayList<>()).add(dedupKey);
    }

    /** A copy whose version could not be read at all (not JSON, no metadata): it cannot count as delivered. */
    synchronized void recordUnreadable() {
        unreadable++;
    }

    synchronized int copies() {
        return dedupKeysByVersion.values().stream().mapToInt(List::size).sum() + unreadable;
    }

    synchronized Set<String> keys() {
        return Set.copyOf(dedupKeysByVersion.keySet());
    }

    synchronized int unreadable() {
        return unreadable;
    }

    /** Copies beyond the first of the same version, whatever their de-duplication key. */
    synchronized int resends() {
        return dedupKeysByVersion.values().stream().mapToInt(copies -> copies.size() - 1).sum();
    }

    /**
     * Copies beyond the first of the same version that a receiver de-duplicating by the key would still keep: per
     * version, the distinct de-duplication keys minus one, where each copy without a key counts as distinct.
     */
    synchronized int duplicates() {
        int duplicates = 0;
        for (List<String> copies : dedupKeysByVersion.values()) {
            Set<String> distinct = new HashSet<>();
            int withoutKey = 0;
            for (String key : copies) {
                if (key == null) {
                    withoutKey++;
                } else {
                    distinct.add(key);
                }
            }
            duplicates += distinct.size() + withoutKey - 1;
        }
        return duplicates;
    }

    /** Copies whose de-duplication key is missing or not the one {@code expected} derives from their version. */
    synchronized int keyMismatches(Function<String, String> expected) {
        int mismatches = 0;
        for (Map.Entry<String, List<String>> version : dedupKeysByVersion.entrySet()) {
            String wanted = expected.apply(version.getKey());
            mismatches += (int) version.getValue().stream().filter(key -> !wanted.equals(key)).count();
        }
        return mismatches;
    }

    /** A few versions with more than one copy, with their keys, for a failure message. */
    synchronized List<String> sampleOfRepeats(int most) {
        return dedupKeysByVersion.entrySet().stream()
                .filter(version -> version.getValue().size() > 1)
                .limit(most)
                .map(version -> version.getKey() + " x" + version.getValue().size() + " " + version.getValue())
                .toList();
    }
}
