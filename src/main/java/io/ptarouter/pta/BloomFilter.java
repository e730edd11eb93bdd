package io.ptarouter.pta;

import java.util.ArrayList;
import java.util.List;

/**
 * A set of strings that may answer yes for a string never added (about once in a million), never
 * no for one that was, in 4 bytes a string: what a poll remembers of the versions it no longer
 * holds in memory, so that only a yes costs a look-up in the delivery store (a scan of the log on
 * H2, hence so rare a false yes). It grows by segments, each twice as large as the one before, so
 * it needs no size given in advance.
 * Hand-written: Guava's BloomFilter would bring all of Guava into the runtime jar for these lines.
 */
final class BloomFilter {

    /** Bits per string and probes for a false yes of about 2 in 10 million in each segment (0.6185 ^ bits). */
    private static final int BITS_PER_KEY = 32;
    private static final int PROBES = 22;

    private final long seed;
    private final List<long[]> segments = new ArrayList<>();
    private final List<Integer> capacities = new ArrayList<>();
    private int inLast;

    /** @param seed varies the hashing, so that a poll's false yes is not the next poll's too */
    BloomFilter(int firstCapacity, long seed) {
        this.seed = seed;
        segments.add(new long[(int) Math.max(1, ((long) firstCapacity * BITS_PER_KEY + 63) / 64)]);
        capacities.add(firstCapacity);
    }

    void add(String key) {
        int last = segments.size() - 1;
        if (inLast >= capacities.get(last)) {
            int capacity = (int) Math.min(Integer.MAX_VALUE / BITS_PER_KEY, 2L * capacities.get(last));
            segments.add(new long[(int) (((long) capacity * BITS_PER_KEY + 63) / 64)]);
            capacities.add(capacity);
            inLast = 0;
            last++;
        }
        long[] bits = segments.get(last);
        long hash = hash(key);
        long h1 = mix(hash);
        long h2 = mix(hash + 0x9E3779B97F4A7C15L) | 1;
        long size = (long) bits.length * 64;
        for (int i = 0; i < PROBES; i++) {
            long bit = Math.floorMod(h1 + i * h2, size);
            bits[(int) (bit >>> 6)] |= 1L << bit;
        }
        inLast++;
    }

    boolean mightContain(String key) {
        long hash = hash(key);
        long h1 = mix(hash);
        long h2 = mix(hash + 0x9E3779B97F4A7C15L) | 1;
        for (long[] bits : segments) {
            long size = (long) bits.length * 64;
            boolean all = true;
            for (int i = 0; i < PROBES && all; i++) {
                long bit = Math.floorMod(h1 + i * h2, size);
                all = (bits[(int) (bit >>> 6)] & (1L << bit)) != 0;
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** FNV-1a over the string's chars, from the seed. */
    private long hash(String key) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ key.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    /** MurmurHash3's finalizer: spreads every input bit over the whole result. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }
}
