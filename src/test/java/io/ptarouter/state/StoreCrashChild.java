package io.ptarouter.state;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import io.ptarouter.state.DeliveryStore.Delivery;

/**
 * The process {@link StoreCrashTest} kills: commits batch after batch to the H2 store at
 * {@code args[0]}, going on from its watermark, and prints {@code committed <n>} once commit
 * {@code n} has returned. Batch {@code n} is {@link #BATCH} deliveries with event time {@code n}
 * and moves the watermark to {@code n}.
 */
public final class StoreCrashChild {

    static final String STREAM = "security-events";
    static final int BATCH = 200;

    private StoreCrashChild() {
    }

    public static void main(String[] args) {
        DeliveryStore store = JdbcDeliveryStore.open(args[0], "", "");
        long next = store.get(STREAM).orElse(0) + 1;
        // Until killed; stops by itself only if the test that reads its output has gone.
        while (!System.out.checkError()) {
            store.commit(STREAM, batch(next), OptionalLong.of(next));
            System.out.println("committed " + next);
            System.out.flush();
            next++;
        }
    }

    static String key(long batch, int i) {
        return STREAM + "/" + batch + "-" + i + "/1";
    }

    static long batchOf(String key) {
        return Long.parseLong(key.substring(STREAM.length() + 1, key.indexOf('-', STREAM.length() + 1)));
    }

    private static List<Delivery> batch(long n) {
        List<Delivery> deliveries = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            deliveries.add(new Delivery(key(n, i), i % 2 == 0 ? "file" : "jms", n));
        }
        return deliveries;
    }
}
