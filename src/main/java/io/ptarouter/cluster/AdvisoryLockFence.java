package io.ptarouter.cluster;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.pta.PollFence;
import io.ptarouter.transport.DaemonTimer;

/**
 * The fence of several instances: a poll holds a PostgreSQL advisory lock on its stream, on a connection of its own,
 * for as long as it runs. Quartz's clustered store already fires each poll on one instance at a time, but it cannot
 * stop an instance that was paused (GC, SIGSTOP, a frozen VM) from resuming a poll that another took over. The lock's
 * connection is asked to end after {@code timeout} without a statement (PostgreSQL's {@code idle_session_timeout}),
 * and a heartbeat keeps it busy while the instance runs: a paused instance loses the lock after the timeout, another
 * can take it, and the paused one, once resumed, finds its connection gone and stops before it moves the watermark.
 * Each stream's last poller is recorded in {@code pta_stream_poller}, for health and metrics.
 */
final class AdvisoryLockFence implements PollFence {

    private static final Logger LOG = LoggerFactory.getLogger(AdvisoryLockFence.class);

    /** The first key of pta-router's advisory locks ('PTAR'); the second is the stream's, within its schema. */
    private static final int LOCK_SPACE = 0x50544152;
    private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(" + LOCK_SPACE + ", hashtext(current_schema() || '/' || ?))";
    static final String POLLER_TABLE = "CREATE TABLE IF NOT EXISTS pta_stream_poller ("
            + " stream VARCHAR(200) NOT NULL PRIMARY KEY,"
            + " node_id VARCHAR(200) NOT NULL,"
            + " poll_started BIGINT NOT NULL,"
            + " last_success BIGINT)";
    private static final String RECORD_POLLER = "INSERT INTO pta_stream_poller (stream, node_id, poll_started) VALUES (?, ?, ?)"
            + " ON CONFLICT (stream) DO UPDATE SET node_id = EXCLUDED.node_id, poll_started = EXCLUDED.poll_started";
    private static final String SELECT_POLLERS =
            "SELECT stream, node_id, poll_started, last_success FROM pta_stream_poller ORDER BY stream";
    private static final String RECORD_SUCCESS = "UPDATE pta_stream_poller SET last_success = ? WHERE stream = ?";

    private static final Driver DRIVER = new org.postgresql.Driver();

    private final String jdbcUrl;
    private final Properties credentials;
    private final String nodeId;
    private final Duration timeout;
    private final long heartbeatNanos;
    private final ScheduledThreadPoolExecutor heartbeats = DaemonTimer.named("pta-cluster-heartbeat");
    /** The streams this instance is polling now. */
    private final Set<String> polling = ConcurrentHashMap.newKeySet();

    AdvisoryLockFence(String jdbcUrl, Properties credentials, String nodeId, Duration timeout) {
        this.jdbcUrl = jdbcUrl;
        this.credentials = credentials;
        this.nodeId = nodeId;
        this.timeout = timeout;
        this.heartbeatNanos = timeout.toNanos() / 5;
    }

    @Override
    public Optional<Lease> enter(String stream) {
        Connection connection = null;
        try {
            connection = connect();
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET idle_session_timeout = " + timeout.toMillis());
            }
            boolean locked;
            try (PreparedStatement lock = connection.prepareStatement(TRY_LOCK)) {
                lock.setString(1, stream);
                try (ResultSet row = lock.executeQuery()) {
                    locked = row.next() && row.getBoolean(1);
                }
            }
            if (!locked) {
                connection.close();
                return Optional.empty();
            }
            try (PreparedStatement record = connection.prepareStatement(RECORD_POLLER)) {
                record.setString(1, stream);
                record.setString(2, nodeId);
                record.setLong(3, System.currentTimeMillis());
                record.executeUpdate();
            }
            polling.add(stream);
            return Optional.of(new LockLease(stream, connection));
        } catch (SQLException e) {
            close(connection);
            // Without the lock the poll must not run: it fails, is reported, and the next one tries again.
            throw new IllegalStateException("cannot take the poll lock of " + stream + " in the shared state: "
                                            + e.getMessage(), e);
        }
    }

    /** Named, not found through DriverManager: the fat jar keeps only one java.sql.Driver list. */
    private Connection connect() throws SQLException {
        Connection connection = DRIVER.connect(jdbcUrl, credentials);
        if (connection == null) {
            throw new SQLException("not a PostgreSQL URL");
        }
        return connection;
    }

    /** Whether this instance is polling the stream now. */
    boolean polling(String stream) {
        return polling.contains(stream);
    }

    /** Per stream, the instance that started its last poll, and when. */
    Map<String, Map<String, Object>> lastPollers() {
        Map<String, Map<String, Object>> pollers = new LinkedHashMap<>();
        try (Connection connection = connect();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(SELECT_POLLERS)) {
            while (rows.next()) {
                Map<String, Object> poller = new LinkedHashMap<>();
                poller.put("lastPolledBy", rows.getString(2));
                poller.put("lastPollStarted", Instant.ofEpochMilli(rows.getLong(3)));
                long success = rows.getLong(4);
                if (!rows.wasNull()) {
                    poller.put("lastSuccessfulPoll", Instant.ofEpochMilli(success));
                }
                pollers.put(rows.getString(1), poller);
            }
        } catch (SQLException e) {
            LOG.warn("cannot read the streams' last pollers from the shared state: {}", e.getMessage());
        }
        return pollers;
    }

    private static void close(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // gone already
            }
        }
    }

    /** One poll's lock: held until closed, or until its connection ends. */
    private final class LockLease implements Lease {

        private final String stream;
        private final Connection connection;
        private final ScheduledFuture<?> heartbeat;
        private volatile long confirmedNanos = System.nanoTime();
        private volatile boolean lost;

        LockLease(String stream, Connection connection) {
            this.stream = stream;
            this.connection = connection;
            this.heartbeat = heartbeats.scheduleWithFixedDelay(this::confirm, heartbeatNanos, heartbeatNanos,
                    TimeUnit.NANOSECONDS);
        }

        /** Trusts a heartbeat of the last two periods; after a longer gap (a pause, say) asks the database. */
        @Override
        public boolean stillHeld() {
            if (lost) {
                return false;
            }
            return System.nanoTime() - confirmedNanos < 2 * heartbeatNanos || confirm();
        }

        /** The session that took the lock is still there: PostgreSQL releases an advisory lock only with it. */
        @Override
        public synchronized boolean confirm() {
            if (lost) {
                return false;
            }
            long asked = System.nanoTime();
            try (Statement statement = connection.createStatement()) {
                statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
                statement.execute("SELECT 1");
                if (System.nanoTime() - asked < timeout.toNanos()) {
                    confirmedNanos = asked;
                    return true;
                }
                // An answer slower than the timeout could come from a session the server has just ended.
            } catch (SQLException e) {
                LOG.debug("{}: the poll lock's connection is gone: {}", stream, e.getMessage());
            }
            lost = true;
            polling.remove(stream);
            heartbeat.cancel(false);
            return false;
        }

        @Override
        public void succeeded() {
            try (PreparedStatement record = connection.prepareStatement(RECORD_SUCCESS)) {
                record.setLong(1, System.currentTimeMillis());
                record.setString(2, stream);
                record.executeUpdate();
            } catch (SQLException e) {
                LOG.warn("{}: cannot record the poll's success in the shared state: {}", stream, e.getMessage());
            }
        }

        @Override
        public synchronized void close() {
            heartbeat.cancel(false);
            polling.remove(stream);
            // Released before the session ends: the server ends a closed session after close() returns.
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_unlock_all()");
            } catch (SQLException e) {
                // the session is gone already, and its locks with it
            }
            AdvisoryLockFence.close(connection);
        }
    }
}
