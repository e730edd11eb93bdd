package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.sink.SinkBreakers;
import io.ptarouter.state.DeliveryStore;
import io.ptarouter.state.JdbcDeliveryStore;
import io.ptarouter.testing.MutableClock;

/**
 * The ledger against a real H2 delivery store: checkpoints recorded in the background while the poll
 * goes on, one at a time and never lost when one fails, and versions PTA keeps returning recorded
 * again only once their record is old.
 */
class PollLedgerTest {

    private static final String STREAM = "security-events";
    private static final Instant START = Instant.parse("2026-11-22T08:00:00Z");
    private static final PollLedger.DeadLetterSink NO_DEAD_LETTERS = (stream, failures, now) -> {
        throw new AssertionError("nothing should be parked: " + failures);
    };

    @TempDir
    Path folder;

    private final MutableClock clock = new MutableClock(START);
    private final ExecutorService recorder = Executors.newSingleThreadExecutor();
    private final SinkBreakers breakers = new SinkBreakers(5, 50, Duration.ofSeconds(30));
    private JdbcDeliveryStore store;

    @BeforeEach
    void open() {
        store = JdbcDeliveryStore.open("jdbc:h2:file:" + folder.resolve("state"), "", "", clock);
    }

    @AfterEach
    void close() {
        recorder.shutdownNow();
        store.close();
    }

    @Test
    void aBackgroundCheckpointLetsThePollGoOnAndTheNextOneWaitsForIt() throws Exception {
        GatedStore gated = new GatedStore(store);
        PollLedger ledger = new PollLedger(gated, STREAM, breakers, recorder, Long.MIN_VALUE);
        deliver(ledger, 0, 100);

        ledger.checkpoint(OptionalLong.empty(), Long.MIN_VALUE, NO_DEAD_LETTERS, START, true);
        // The checkpoint returned while its recording is held at the gate: the poll goes on delivering.
        assertThat(gated.entered.await(10, TimeUnit.SECONDS)).as("the recording started").isTrue();
        deliver(ledger, 100, 200);
        CompletableFuture<PollLedger.Settled> last = CompletableFuture.supplyAsync(() -> {
            try {
                return ledger.checkpoint(OptionalLong.of(5_000), Long.MIN_VALUE, NO_DEAD_LETTERS, START, false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThatThrownBy(() -> last.get(300, TimeUnit.MILLISECONDS))
                .as("the last checkpoint waits for the recording under way").isInstanceOf(TimeoutException.class);
        gated.gate.countDown();

        assertThat(last.get(10, TimeUnit.SECONDS).watermark()).hasValue(5_000);
        assertThat(gated.mostAtOnce.get()).as("recordings at once").isEqualTo(1);
        assertThat(gated.commits).containsExactly(100, 100);
        assertThat(store.deliveredSince(STREAM, 0)).hasSize(200)
                .allSatisfy((key, recorded) -> assertThat(recorded.sinks()).containsExactly(DeliveryStore.DONE));
        assertThat(store.get(STREAM)).hasValue(5_000);
    }

    @Test
    void whatABackgroundRecordingFailedToRecordIsRecordedByTheNextCheckpointOnItsOwnThread() throws Exception {
        FailingStore failing = new FailingStore(store, 1);
        PollLedger ledger = afterAFailedBackgroundRecording(failing);

        // The next checkpoint, due in the background, records both at once instead: never more than two unrecorded.
        ledger.checkpoint(OptionalLong.empty(), Long.MIN_VALUE, NO_DEAD_LETTERS, START, true);

        assertThat(store.deliveredSince(STREAM, 0)).hasSize(80);
        assertThat(failing.commits.get()).isEqualTo(2);
    }

    @Test
    void whenRecordingFailsAgainTheCheckpointFailsAndThePollsEndStillRecordsEverything() throws Exception {
        PollLedger ledger = afterAFailedBackgroundRecording(new FailingStore(store, 2));

        assertThatThrownBy(() -> ledger.checkpoint(OptionalLong.empty(), Long.MIN_VALUE, NO_DEAD_LETTERS, START, true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the database is away")
                .satisfies(e -> assertThat(e.getSuppressed()).as("the first failure, kept").hasSize(1));
        assertThat(store.deliveredSince(STREAM, 0)).isEmpty();

        // The poll's end (or its abort) records all of it, and only then moves the watermark.
        ledger.checkpoint(OptionalLong.of(9_000), Long.MIN_VALUE, NO_DEAD_LETTERS, START, false);
        assertThat(store.deliveredSince(STREAM, 0)).hasSize(80);
        assertThat(store.get(STREAM)).hasValue(9_000);
        // And a version the poll meets again is known as delivered, whatever became of its recording.
        assertThat(ledger.accept(key(10), 10)).isFalse();
    }

    @Test
    void aVersionSeenAgainIsRecordedAgainOnlyOnceItsRecordIsHalfTheRetentionOld() throws Exception {
        store.commit(STREAM, List.of(new DeliveryStore.Delivery(key(1), DeliveryStore.DONE, 1)), OptionalLong.empty());
        Duration retention = Duration.ofDays(7);

        clock.advance(Duration.ofDays(1));
        PollLedger dayLater = new PollLedger(store, STREAM, breakers, recorder,
                clock.millis() - retention.toMillis() / 2);
        assertThat(dayLater.accept(key(1), 1)).isFalse();
        dayLater.checkpoint(OptionalLong.empty(), Long.MIN_VALUE, NO_DEAD_LETTERS, clock.instant(), false);
        assertThat(store.deliveredSince(STREAM, 0).get(key(1)).lastRecorded())
                .as("a day old: left as it is").isEqualTo(START.toEpochMilli());

        clock.advance(Duration.ofDays(3));
        PollLedger fourDaysLater = new PollLedger(store, STREAM, breakers, recorder,
                clock.millis() - retention.toMillis() / 2);
        assertThat(fourDaysLater.accept(key(1), 1)).isFalse();
        assertThat(fourDaysLater.accept(key(1), 1)).as("the same answer twice").isFalse();
        fourDaysLater.checkpoint(OptionalLong.empty(), Long.MIN_VALUE, NO_DEAD_LETTERS, clock.instant(), false);
        assertThat(store.deliveredSince(STREAM, 0).get(key(1)).lastRecorded())
                .as("four days old: recorded again").isEqualTo(clock.millis());
        // Once: the retention then forgets the first record and keeps the second.
        assertThat(store.expire(STREAM, 2, clock.instant().minus(Duration.ofDays(1)))).isEqualTo(1);
        assertThat(store.deliveredSince(STREAM, 0)).containsOnlyKeys(key(1));
    }

    /** A ledger that delivered 50 versions, whose background recording failed, then 30 more. */
    @Test
    void aDestinationThatThrewAfterASinkTookTheEventLeavesItOwedWithoutMakingThatSinkTakeItAgain() throws Exception {
        PollLedger first = new PollLedger(store, STREAM, breakers, null, Long.MIN_VALUE);
        assertThat(first.accept(key(1), 1_000)).isTrue();
        first.toDestination(key(1));
        assertThat(first.claim(key(1), "file", "{}")).isTrue();
        first.delivered(key(1), "file");
        first.destinationFailed(key(1));
        first.destinationDelivered(key(1)); // returned after it failed (EventHandover): a failure stays a failure

        PollLedger.Settled settled = first.checkpoint(OptionalLong.of(2_000), Long.MAX_VALUE, NO_DEAD_LETTERS, START, false);

        assertThat(settled.owed()).isEqualTo(1);
        assertThat(settled.parked()).as("a destination's failure is never parked").isZero();
        assertThat(settled.watermark()).as("below the event the destination still owes").hasValue(999);
        assertThat(store.deliveredSince(STREAM, 0).get(key(1)).sinks())
                .as("the sink's row only: the destination is never recorded").containsExactly("file");

        PollLedger next = new PollLedger(store, STREAM, breakers, null, Long.MIN_VALUE);
        assertThat(next.accept(key(1), 1_000)).as("handed to the destination again").isTrue();
        next.toDestination(key(1));
        assertThat(next.claim(key(1), "file", "{}")).as("the file sink has it: skipped").isFalse();
        next.destinationDelivered(key(1));
        next.checkpoint(OptionalLong.of(2_000), Long.MAX_VALUE, NO_DEAD_LETTERS, START, false);

        assertThat(store.deliveredSince(STREAM, 0).get(key(1)).sinks()).contains(DeliveryStore.DONE);
        assertThat(store.get(STREAM)).hasValue(2_000);
    }

    @Test
    void aVersionsAccountTakesReportsUntilItsCheckpointAndNeverThoseOfAnotherPoll() throws Exception {
        PollLedger ledger = new PollLedger(store, STREAM, breakers, null, Long.MIN_VALUE);
        PollLedger.Version one = ledger.admit(key(1), 1_000);
        PollLedger.Version two = ledger.admit(key(2), 2_000);
        assertThat(ledger.admit(key(1), 1_000)).as("a repeat in the same answer").isNull();
        assertThat(ledger.claim(one, key(1), "file", "{}")).isTrue();
        assertThat(ledger.claim(two, key(2), "file", "{}")).isTrue();
        ledger.delivered(one, key(1), "file");
        // The account of another poll's version is not this ledger's: the key says which version is meant.
        PollLedger other = new PollLedger(store, STREAM, breakers, null, Long.MIN_VALUE);
        PollLedger.Version othersTwo = other.admit(key(2), 2_000);
        assertThat(other.claim(othersTwo, key(2), "file", "{}")).isTrue();
        ledger.delivered(othersTwo, key(2), "file");

        PollLedger.Settled settled = ledger.checkpoint(OptionalLong.empty(), Long.MAX_VALUE, NO_DEAD_LETTERS, START, false);

        assertThat(settled.owed()).as("the second was reported by its key, through the other poll's account").isZero();
        assertThat(store.deliveredSince(STREAM, 0)).containsOnlyKeys(key(1), key(2));
        // Settled: a late report on it (a batch completed after the checkpoint) changes nothing.
        ledger.failed(one, key(1), "file", "{}", new IllegalStateException("late"), true);
        PollLedger.Settled after = ledger.checkpoint(OptionalLong.empty(), Long.MAX_VALUE, NO_DEAD_LETTERS, START, false);
        assertThat(after.owed()).isZero();
        assertThat(after.parked()).isZero();
        assertThat(other.checkpoint(OptionalLong.empty(), Long.MAX_VALUE, NO_DEAD_LETTERS, START, false).owed())
                .as("the other poll's own account: still owed to the file sink").isEqualTo(1);
    }

    @Test
    void aVersionStillWithTheDestinationWhenThePollIsAbandonedIsOwed() throws Exception {
        PollLedger ledger = new PollLedger(store, STREAM, breakers, null, Long.MIN_VALUE);
        assertThat(ledger.accept(key(1), 1_000)).isTrue();
        ledger.toDestination(key(1));
        ledger.destinationDelivered(key(1));
        assertThat(ledger.accept(key(2), 2_000)).isTrue();
        ledger.toDestination(key(2)); // the shutdown comes while the destination has it

        PollLedger.Settled settled = ledger.checkpoint(OptionalLong.empty(), Long.MAX_VALUE, NO_DEAD_LETTERS, START, false);

        assertThat(settled.owed()).isEqualTo(1);
        assertThat(store.deliveredSince(STREAM, 0)).containsOnlyKeys(key(1));
    }

    @Test
    void aRepeatAfterMoreVersionsThanTheLedgerHoldsIsStillRecognisedAndAFreshVersionIsNot() throws Exception {
        // Room for 10: the repeats below come after 1,000 others, recorded in the background, 100 at a time.
        PollLedger ledger = new PollLedger(store, STREAM, breakers, recorder, Long.MIN_VALUE, 10);
        for (int from = 0; from < 1_000; from += 100) {
            deliver(ledger, from, from + 100);
            ledger.checkpoint(OptionalLong.empty(), Long.MAX_VALUE, NO_DEAD_LETTERS, START, true);
        }

        for (int i = 0; i < 1_000; i++) {
            assertThat(ledger.accept(key(i), i)).as("the repeat of version %d", i).isFalse();
        }
        deliver(ledger, 1_000, 2_000);
        PollLedger.Settled settled = ledger.checkpoint(OptionalLong.of(2_000), Long.MAX_VALUE, NO_DEAD_LETTERS, START, false);

        assertThat(settled.watermark()).hasValue(2_000);
        assertThat(store.deliveredSince(STREAM, 0)).hasSize(2_000)
                .allSatisfy((key, recorded) -> assertThat(recorded.sinks()).containsExactly(DeliveryStore.DONE));
    }

    @Test
    void aVersionEverySinkFailedWithIsTriedOncePerPollHoweverManyVersionsComeBetweenItsCopies() throws Exception {
        PollLedger ledger = new PollLedger(store, STREAM, breakers, recorder, Long.MIN_VALUE, 10);
        ledger.load(Long.MIN_VALUE);
        assertThat(ledger.accept(key(5_000), 5_000)).isTrue();
        assertThat(ledger.claim(key(5_000), "file", "{}")).isTrue();
        ledger.failed(key(5_000), "file", "{}", new IllegalStateException("disk full"), false);
        ledger.checkpoint(OptionalLong.empty(), Long.MIN_VALUE, NO_DEAD_LETTERS, START, true);

        assertThat(ledger.accept(key(5_000), 5_000)).as("right after the checkpoint").isFalse();
        for (int from = 0; from < 500; from += 100) {
            deliver(ledger, from, from + 100);
            ledger.checkpoint(OptionalLong.empty(), Long.MIN_VALUE, NO_DEAD_LETTERS, START, true);
        }
        assertThat(ledger.accept(key(5_000), 5_000)).as("after 500 other versions").isFalse();
        PollLedger.Settled settled = ledger.checkpoint(OptionalLong.of(6_000), Long.MIN_VALUE, NO_DEAD_LETTERS, START, false);

        assertThat(settled.watermark()).as("below the version still owed").hasValue(4_999);
        assertThat(store.deliveredSince(STREAM, 0)).hasSize(500).doesNotContainKey(key(5_000));

        PollLedger next = new PollLedger(store, STREAM, breakers, recorder, Long.MIN_VALUE, 10);
        next.load(4_999);
        assertThat(next.accept(key(5_000), 5_000)).as("the next poll tries it again").isTrue();
    }

    private PollLedger afterAFailedBackgroundRecording(FailingStore failing) throws Exception {
        PollLedger ledger = new PollLedger(failing, STREAM, breakers, recorder, Long.MIN_VALUE);
        deliver(ledger, 0, 50);
        ledger.checkpoint(OptionalLong.empty(), Long.MIN_VALUE, NO_DEAD_LETTERS, START, true);
        deliver(ledger, 50, 80);
        return ledger;
    }

    /** Accepts versions {@code from} to {@code to} (exclusive), each delivered by the file sink. */
    private static void deliver(PollLedger ledger, int from, int to) {
        ledger.load(Long.MIN_VALUE);
        for (int i = from; i < to; i++) {
            assertThat(ledger.accept(key(i), i)).isTrue();
            assertThat(ledger.claim(key(i), "file", "{}")).isTrue();
            ledger.delivered(key(i), "file");
        }
    }

    private static String key(int i) {
        return STREAM + "/id-" + i + "/" + i;
    }

    /** The real store, each commit held until the gate opens; counts how many run at once. */
    private static final class GatedStore extends ForwardingStore {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger atOnce = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final List<Integer> commits = new ArrayList<>();

        GatedStore(DeliveryStore store) {
            super(store);
        }

        @Override
        public void commit(String stream, Collection<Delivery> deliveries, OptionalLong watermark) {
            mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            try {
                entered.countDown();
                if (!gate.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the gate never opened");
                }
                super.commit(stream, deliveries, watermark);
                synchronized (commits) {
                    commits.add(deliveries.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                atOnce.decrementAndGet();
            }
        }
    }

    /** The real store, whose first commits fail as a database that went away would. */
    private static final class FailingStore extends ForwardingStore {
        final AtomicInteger commits = new AtomicInteger();
        private final int failures;

        FailingStore(DeliveryStore store, int failures) {
            super(store);
            this.failures = failures;
        }

        @Override
        public void commit(String stream, Collection<Delivery> deliveries, OptionalLong watermark) {
            if (commits.getAndIncrement() < failures) {
                throw new IllegalStateException("the database is away");
            }
            super.commit(stream, deliveries, watermark);
        }
    }

    private abstract static class ForwardingStore implements DeliveryStore {
        private final DeliveryStore store;

        ForwardingStore(DeliveryStore store) {
            this.store = store;
        }

        @Override
        public Map<String, Recorded> deliveredSince(String stream, long fromEventTime) {
            return store.deliveredSince(stream, fromEventTime);
        }

        @Override
        public Set<String> sinksOf(String stream, String key, long eventTimeMillis) {
            return store.sinksOf(stream, key, eventTimeMillis);
        }

        @Override
        public void commit(String stream, Collection<Delivery> deliveries, OptionalLong watermark) {
            store.commit(stream, deliveries, watermark);
        }

        @Override
        public int expire(String stream, long eventTimeBefore, Instant seenBefore) {
            return store.expire(stream, eventTimeBefore, seenBefore);
        }

        @Override
        public OptionalLong get(String stream) {
            return store.get(stream);
        }

        @Override
        public void advance(String stream, long eventTimeMillis) {
            store.advance(stream, eventTimeMillis);
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
