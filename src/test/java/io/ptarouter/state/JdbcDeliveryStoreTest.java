package io.ptarouter.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.state.DeliveryStore.Delivery;
import io.ptarouter.testing.MutableClock;

/**
 * The delivery state against real databases: the same contract on an H2 file and on the
 * PostgreSQL server at {@code PTA_TEST_POSTGRES_URL} (default {@code jdbc:postgresql://127.0.0.1:5432/test}),
 * where each test works in a schema of its own that it drops afterwards.
 */
class JdbcDeliveryStoreTest {

    static final String STREAM = "security-events";
    static final Instant START = Instant.parse("2026-11-21T10:00:00Z");

    /** What every database must do; a subclass says where the database is. */
    abstract static class Contract {

        final MutableClock clock = new MutableClock(START);
        final List<JdbcDeliveryStore> opened = new ArrayList<>();
        String url;

        /** A new, empty database for one test; its JDBC URL. */
        abstract String createDatabase() throws Exception;

        abstract String username();

        void dropDatabase() throws Exception {
        }

        @BeforeEach
        void database() throws Exception {
            url = createDatabase();
        }

        @AfterEach
        void drop() throws Exception {
            opened.forEach(JdbcDeliveryStore::close);
            dropDatabase();
        }

        JdbcDeliveryStore open() {
            JdbcDeliveryStore store = JdbcDeliveryStore.open(url, username(), "", clock);
            opened.add(store);
            return store;
        }

        @Test
        void aStreamHasNoWatermarkUntilOneIsCommittedThenReadsItBack() {
            JdbcDeliveryStore store = open();
            assertThat(store.get(STREAM)).isEmpty();

            store.advance(STREAM, 1_000);
            store.commit(STREAM, List.of(), OptionalLong.of(2_000));

            assertThat(store.get(STREAM)).hasValue(2_000);
            assertThat(store.get("risk-events")).isEmpty();
        }

        @Test
        void theWatermarkNeverMovesBack() {
            JdbcDeliveryStore store = open();
            store.advance(STREAM, 5_000);

            store.advance(STREAM, 4_000);
            assertThat(store.get(STREAM)).hasValue(5_000);
            store.commit(STREAM, List.of(new Delivery(key(1), "file", 100)), OptionalLong.of(3_000));
            assertThat(store.get(STREAM)).hasValue(5_000);
            store.commit(STREAM, List.of(new Delivery(key(2), "file", 100)), OptionalLong.empty());
            assertThat(store.get(STREAM)).hasValue(5_000);

            store.commit(STREAM, List.of(), OptionalLong.of(6_000));
            assertThat(store.get(STREAM)).hasValue(6_000);
        }

        @Test
        void deliveriesAreReturnedPerKeyFromTheirEventTimeOnInclusive() {
            JdbcDeliveryStore store = open();
            store.commit(STREAM, List.of(
                    new Delivery(key(1), "file", 100),
                    new Delivery(key(2), "file", 200),
                    new Delivery(key(2), "jms", 200),
                    new Delivery(key(2), DeliveryStore.DONE, 200),
                    new Delivery(key(3), "webhook", 300)), OptionalLong.of(300));
            store.commit("risk-events", List.of(new Delivery("risk-events/r1/1", "file", 250)), OptionalLong.empty());

            assertThat(sinks(store.deliveredSince(STREAM, 200))).isEqualTo(Map.of(
                    key(2), Set.of("file", "jms", DeliveryStore.DONE),
                    key(3), Set.of("webhook")));
            assertThat(store.deliveredSince(STREAM, 301)).isEmpty();
            assertThat(store.deliveredSince("risk-events", 0)).containsOnlyKeys("risk-events/r1/1");
        }

        @Test
        void recordingADeliveryAgainIsHarmlessAndCountsAsSeenAgain() {
            JdbcDeliveryStore store = open();
            List<Delivery> deliveries = List.of(new Delivery(key(1), "file", 100), new Delivery(key(1), "jms", 100));
            store.commit(STREAM, deliveries, OptionalLong.of(100));

            clock.advance(Duration.ofHours(1));
            // Also twice within one commit, as a retried poll could send it.
            store.commit(STREAM, List.of(deliveries.get(0), deliveries.get(0), new Delivery(key(2), "file", 200)),
                    OptionalLong.of(200));

            Map<String, DeliveryStore.Recorded> delivered = store.deliveredSince(STREAM, 0);
            assertThat(sinks(delivered)).isEqualTo(Map.of(
                    key(1), Set.of("file", "jms"),
                    key(2), Set.of("file")));
            assertThat(delivered.get(key(1)).lastRecorded()).isEqualTo(START.plus(Duration.ofHours(1)).toEpochMilli());
            assertThat(store.get(STREAM)).hasValue(200);
            // Past the retention, the first records of key 1 go (file and JMS); the file's newer ones stay.
            assertThat(store.expire(STREAM, 150, START.plusSeconds(1))).isEqualTo(2);
            assertThat(sinks(store.deliveredSince(STREAM, 0))).isEqualTo(Map.of(
                    key(1), Set.of("file"),
                    key(2), Set.of("file")));
        }

        @Test
        void aVersionRecordedAsDoneIsTimedByItsDoneRecord() {
            JdbcDeliveryStore store = open();
            store.commit(STREAM, List.of(new Delivery(key(1), DeliveryStore.DONE, 100)), OptionalLong.empty());
            clock.advance(Duration.ofDays(4));
            // A sink's own record made later (another instance, say) does not stand for the done one.
            store.commit(STREAM, List.of(new Delivery(key(1), "file", 100)), OptionalLong.empty());

            assertThat(store.deliveredSince(STREAM, 0).get(key(1)))
                    .isEqualTo(new DeliveryStore.Recorded(Set.of(DeliveryStore.DONE, "file"), START.toEpochMilli()));
        }

        @Test
        void aCommitThatFailsHalfwayLeavesNeitherItsDeliveriesNorItsWatermark() {
            JdbcDeliveryStore store = open();
            store.commit(STREAM, List.of(new Delivery(key(0), "file", 10)), OptionalLong.of(10));
            List<Delivery> deliveries = new ArrayList<>();
            IntStream.rangeClosed(1, 2_499).forEach(i -> deliveries.add(new Delivery(key(i), "file", 100 + i)));
            // Too long for its column; it sorts after every other key, so the batches of 1000 before it
            // have already reached the database when it fails.
            deliveries.add(new Delivery("z".repeat(600), "file", 3_000));

            assertThatThrownBy(() -> store.commit(STREAM, deliveries, OptionalLong.of(3_000)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("could not record 2500 deliveries of security-events in the delivery state at " + url + ": ")
                    .hasMessageContaining("too long");

            assertThat(store.deliveredSince(STREAM, 0)).containsOnlyKeys(key(0));
            assertThat(store.get(STREAM)).hasValue(10);
            // The store is still usable: the failed transaction did not stay on a pooled connection.
            store.commit(STREAM, deliveries.subList(0, 2_499), OptionalLong.of(2_599));
            assertThat(store.deliveredSince(STREAM, 0)).hasSize(2_500);
            assertThat(store.get(STREAM)).hasValue(2_599);
        }

        @Test
        void expiryTakesOnlyVersionsThatAreBothOlderAndNotSeenSince() {
            JdbcDeliveryStore store = open();
            store.commit(STREAM, List.of(
                    new Delivery("old-unseen", "file", 100),
                    new Delivery("old-unseen", "jms", 100),
                    new Delivery("old-seen-again", "file", 100),
                    new Delivery("recent-unseen", "file", 5_000)), OptionalLong.of(5_000));
            store.commit("risk-events", List.of(new Delivery("other-stream", "file", 100)), OptionalLong.empty());
            Instant later = START.plus(Duration.ofDays(2));
            clock.advance(Duration.ofDays(2));
            store.commit(STREAM, List.of(new Delivery("old-seen-again", DeliveryStore.DONE, 100)), OptionalLong.empty());
            // Another instance, its clock behind, records it too: the later record still counts.
            MutableClock behind = new MutableClock(START);
            JdbcDeliveryStore other = JdbcDeliveryStore.open(url, username(), "", behind);
            opened.add(other);
            other.commit(STREAM, List.of(new Delivery("old-seen-again", DeliveryStore.DONE, 100)), OptionalLong.empty());
            assertThat(store.deliveredSince(STREAM, 0).get("old-seen-again").lastRecorded()).isEqualTo(later.toEpochMilli());

            // Every record of old-unseen, and the two of old-seen-again made at START.
            assertThat(store.expire(STREAM, 1_000, later)).isEqualTo(4);

            assertThat(store.deliveredSince(STREAM, 0)).containsOnlyKeys("old-seen-again", "recent-unseen");
            assertThat(store.deliveredSince("risk-events", 0)).containsOnlyKeys("other-stream");
            assertThat(store.expire(STREAM, 1_000, later)).isZero();
            assertThat(store.expire(STREAM, 1_000, later.plusMillis(1))).isEqualTo(1);
        }

        @Test
        void tenThousandDeliveriesGoInOneCommitAndComeBackInOneRead() {
            JdbcDeliveryStore store = open();
            List<Delivery> deliveries = new ArrayList<>();
            IntStream.range(0, 10_000).forEach(i -> deliveries.add(new Delivery(key(i), "file", i)));

            store.commit(STREAM, deliveries, OptionalLong.of(9_999));

            Map<String, Set<String>> delivered = sinks(store.deliveredSince(STREAM, 0));
            assertThat(delivered).hasSize(10_000).containsEntry(key(9_999), Set.of("file"));
        }

        @Test
        void theStateOutlivesClosingAndReopening() {
            JdbcDeliveryStore store = open();
            store.commit(STREAM, List.of(new Delivery(key(1), "file", 100)), OptionalLong.of(100));
            store.close();
            opened.remove(store);

            JdbcDeliveryStore reopened = open();

            assertThat(reopened.get(STREAM)).hasValue(100);
            assertThat(sinks(reopened.deliveredSince(STREAM, 0))).isEqualTo(Map.of(key(1), Set.of("file")));
        }

        @Test
        void aWatermarkInTheFutureIsSetBackOnOpenToTheNewestPlausibleDeliveryAndTheFutureRecordsGo() {
            long year10000 = 253_402_300_800_000L;
            long newest = START.toEpochMilli() - 500;
            JdbcDeliveryStore store = open();
            store.commit(STREAM, List.of(
                    new Delivery(key(1), DeliveryStore.DONE, START.toEpochMilli() - 1_000),
                    new Delivery(key(2), "file", newest),
                    new Delivery(STREAM + "/future/" + year10000, DeliveryStore.DONE, year10000)), OptionalLong.of(year10000));
            store.commit("risk-events", List.of(), OptionalLong.of(Long.MAX_VALUE));
            store.commit("other-stream", List.of(new Delivery("o/1/1", "file", 100)), OptionalLong.of(START.toEpochMilli()));
            store.close();
            opened.remove(store);

            JdbcDeliveryStore reopened = open();

            assertThat(reopened.get(STREAM)).as("the newest plausible delivery").hasValue(newest);
            assertThat(reopened.deliveredSince(STREAM, 0)).containsOnlyKeys(key(1), key(2));
            assertThat(reopened.get("risk-events")).as("no plausible delivery: the stream starts as a first run").isEmpty();
            assertThat(reopened.get("other-stream")).hasValue(START.toEpochMilli());
            assertThat(reopened.deliveredSince("other-stream", 0)).containsOnlyKeys("o/1/1");
        }

        @Test
        void aWatermarkWithinTheAllowedClockSkewIsKeptOnOpen() {
            long ahead = START.plus(Duration.ofMinutes(2)).toEpochMilli();
            JdbcDeliveryStore store = open();
            store.commit(STREAM, List.of(new Delivery(key(1), DeliveryStore.DONE, ahead)), OptionalLong.of(ahead));
            store.close();
            opened.remove(store);

            JdbcDeliveryStore reopened = open();

            assertThat(reopened.get(STREAM)).hasValue(ahead);
            assertThat(reopened.deliveredSince(STREAM, 0)).containsOnlyKeys(key(1));
            // With a smaller allowed skew, the same watermark is in the future.
            reopened.close();
            opened.remove(reopened);
            JdbcDeliveryStore strict = JdbcDeliveryStore.open(url, username(), "", clock, Duration.ofMinutes(1));
            opened.add(strict);
            assertThat(strict.get(STREAM)).as("no plausible delivery left: when it was recorded, less the skew")
                    .hasValue(START.minus(Duration.ofMinutes(1)).toEpochMilli());
        }

        @Test
        void aFutureWatermarkWhosePlausibleRecordsHaveAllExpiredGoesBackToWhenTheImpossibleVersionWasFirstRecorded() {
            long year10000 = 253_402_300_800_000L;
            JdbcDeliveryStore store = open();
            store.commit(STREAM, List.of(new Delivery(key(1), DeliveryStore.DONE, START.toEpochMilli() - 1_000),
                    new Delivery(STREAM + "/future/" + year10000, DeliveryStore.DONE, year10000)), OptionalLong.of(year10000));
            Instant stalled = START;
            // Ten days of polls that asked for events after year 10000 and got none; the retention (7 days) forgets the
            // plausible record, not the impossible one.
            clock.advance(Duration.ofDays(10));
            store.commit(STREAM, List.of(new Delivery(STREAM + "/future/" + year10000, DeliveryStore.DONE, year10000)),
                    OptionalLong.empty());
            assertThat(store.expire(STREAM, year10000 - 300_000, clock.instant().minus(Duration.ofDays(7)))).isEqualTo(1);
            store.close();
            opened.remove(store);

            JdbcDeliveryStore reopened = open();

            assertThat(reopened.get(STREAM)).as("when the stream stalled, less the allowed skew (2m)")
                    .hasValue(stalled.minus(Duration.ofMinutes(2)).toEpochMilli());
            assertThat(reopened.deliveredSince(STREAM, 0)).isEmpty();
        }

        @Test
        void theRecordsOfTheFormerKeyedTableMoveToTheLogOnOpen() throws SQLException {
            try (Connection connection = DriverManager.getConnection(url, username(), "");
                 Statement statement = connection.createStatement()) {
                // The table as builds before the log created it, with two records.
                statement.execute("CREATE TABLE pta_delivery (delivery_key VARCHAR(512) NOT NULL, sink VARCHAR(100) NOT NULL,"
                        + " stream VARCHAR(200) NOT NULL, event_time BIGINT NOT NULL, last_seen BIGINT NOT NULL,"
                        + " PRIMARY KEY (delivery_key, sink))");
                statement.execute("INSERT INTO pta_delivery VALUES ('" + key(1) + "', 'done', '" + STREAM + "', 100, 5000),"
                        + " ('" + key(2) + "', 'file', '" + STREAM + "', 200, 6000)");
            }

            JdbcDeliveryStore store = open();

            Map<String, DeliveryStore.Recorded> moved = store.deliveredSince(STREAM, 0);
            assertThat(moved).isEqualTo(Map.of(
                    key(1), new DeliveryStore.Recorded(Set.of(DeliveryStore.DONE), 5000),
                    key(2), new DeliveryStore.Recorded(Set.of("file"), 6000)));
            try (Connection connection = DriverManager.getConnection(url, username(), "")) {
                String table = connection.getMetaData().storesUpperCaseIdentifiers() ? "PTA_DELIVERY" : "pta_delivery";
                try (ResultSet tables = connection.getMetaData().getTables(null, connection.getSchema(), table, null)) {
                    assertThat(tables.next()).as("the former table is gone").isFalse();
                }
            }
            // Opened again, nothing moves twice.
            store.close();
            opened.remove(store);
            assertThat(open().deliveredSince(STREAM, 0)).isEqualTo(moved);
        }
    }

    /** The sinks recorded per version, without the times. */
    static Map<String, Set<String>> sinks(Map<String, DeliveryStore.Recorded> delivered) {
        Map<String, Set<String>> sinks = new java.util.HashMap<>();
        delivered.forEach((key, recorded) -> sinks.put(key, recorded.sinks()));
        return sinks;
    }

    @Nested
    class H2File extends Contract {

        @TempDir
        Path folder;

        @Override
        String createDatabase() {
            // A folder that does not exist yet: open creates it.
            return "jdbc:h2:file:" + folder.resolve("state").resolve("delivery");
        }

        @Override
        String username() {
            return "";
        }

        @Test
        void aFolderThatCannotBeCreatedFailsTheOpenNamingTheUrl() throws IOException {
            Files.writeString(folder.resolve("blocker"), "not a folder");
            String blocked = "jdbc:h2:file:" + folder.resolve("blocker").resolve("state").resolve("delivery");

            assertThatThrownBy(() -> JdbcDeliveryStore.open(blocked, "", ""))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("cannot open the delivery state at " + blocked + ": cannot create the folder ");
        }
    }

    @Nested
    class PostgreSql extends Contract {

        final String server = System.getenv().getOrDefault("PTA_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
        final String user = System.getenv().getOrDefault("PTA_TEST_POSTGRES_USER", "postgres");
        final String schema = "pta_test_" + UUID.randomUUID().toString().replace("-", "");

        @Override
        String createDatabase() throws SQLException {
            execute("CREATE SCHEMA " + schema);
            return server + (server.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        }

        @Override
        void dropDatabase() throws SQLException {
            execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }

        @Override
        String username() {
            return user;
        }

        private void execute(String sql) throws SQLException {
            try (Connection connection = DriverManager.getConnection(server, user, "");
                 Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }

        @Test
        void twoInstancesCommittingAtOnceNeverMoveTheWatermarkBackAndLoseNoDelivery() throws Exception {
            JdbcDeliveryStore first = open();
            JdbcDeliveryStore second = open();
            int commits = 150;
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService threads = Executors.newFixedThreadPool(3);
            try {
                Future<List<Long>> seen = threads.submit(() -> {
                    List<Long> marks = new ArrayList<>();
                    while (running.get()) {
                        first.get(STREAM).ifPresent(marks::add);
                    }
                    return marks;
                });
                // Each instance commits its own versions, one shared version per commit (both delivered
                // it), and watermarks that jump back and forth around the other's.
                Future<?> a = threads.submit(committer(first, "a", commits));
                Future<?> b = threads.submit(committer(second, "b", commits));
                a.get();
                b.get();
                running.set(false);

                List<Long> marks = seen.get();
                assertThat(marks).isSorted();
                assertThat(first.get(STREAM)).hasValue(IntStream.range(0, commits).mapToLong(this::watermark).max().orElseThrow());
                Map<String, Set<String>> delivered = sinks(second.deliveredSince(STREAM, 0));
                assertThat(delivered).hasSize(3 * commits);
                assertThat(delivered).containsEntry(STREAM + "/shared-7/1", Set.of("file", "jms"));
            } finally {
                running.set(false);
                threads.shutdownNow();
            }
        }

        private Callable<Void> committer(JdbcDeliveryStore store, String instance, int commits) {
            String sink = instance.equals("a") ? "file" : "jms";
            return () -> {
                for (int i = 0; i < commits; i++) {
                    store.commit(STREAM, List.of(
                            new Delivery(STREAM + "/" + instance + "-" + i + "/1", sink, i),
                            new Delivery(STREAM + "/shared-" + i + "/1", sink, i)), OptionalLong.of(watermark(i)));
                }
                return null;
            };
        }

        /** Rises overall, but every odd one is lower than the one before it, the last one too. */
        private long watermark(int i) {
            return 10L * i + (i % 2 == 0 ? 15 : 0);
        }

        @Test
        void anUnreachableServerFailsTheOpenNamingTheUrlButNotThePassword() throws IOException {
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0)) {
                closedPort = socket.getLocalPort();
            }
            String unreachable = "jdbc:postgresql://127.0.0.1:" + closedPort + "/x?user=pta&password=s3cret-pw&ssl=false";

            assertThatThrownBy(() -> JdbcDeliveryStore.open(unreachable, "pta", "s3cret-pw"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot open the delivery state at jdbc:postgresql://127.0.0.1:" + closedPort
                            + "/x?user=pta&password=***&ssl=false: Connection refused")
                    .hasMessageNotContaining("s3cret");
        }
    }

    static String key(int i) {
        return String.format("%s/id-%05d/1", STREAM, i);
    }
}
