package io.ptarouter.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The delivery state in a relational database: an embedded H2 file by default, PostgreSQL when
 * several instances share it. Two tables, created on open if missing: {@code pta_watermark} (one row
 * per stream) and {@code pta_delivery_log}, where each commit appends one row per event version and
 * sink. The log has no unique key: a version recorded twice has two rows, which a read folds into one.
 * That keeps a commit an append at the end of the table whatever order PTA sends its events in; a
 * unique index on the random-looking delivery keys made H2 rewrite pages all over the index at every
 * commit, which cost more the larger the table grew (BENCHMARKS.md). The SQL is the same on both
 * databases but for what {@link Dialect} lists.
 */
public final class JdbcDeliveryStore implements DeliveryStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDeliveryStore.class);

    /** Rows sent to the database per round trip: large commits go in several batches of one transaction. */
    private static final int BATCH = 1000;

    private static final String[] SCHEMA = {
        "CREATE TABLE IF NOT EXISTS pta_watermark ("
                + " stream VARCHAR(200) NOT NULL PRIMARY KEY,"
                + " event_time BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS pta_delivery_log ("
                + " stream VARCHAR(200) NOT NULL,"
                + " delivery_key VARCHAR(512) NOT NULL,"
                + " sink VARCHAR(100) NOT NULL,"
                + " event_time BIGINT NOT NULL,"
                + " last_seen BIGINT NOT NULL)",
    };
    /** The table of earlier builds, keyed by version and sink; its rows move to the log on open. */
    private static final String FORMER_TABLE = "pta_delivery";
    private static final String[] MIGRATE = {
        "INSERT INTO pta_delivery_log (stream, delivery_key, sink, event_time, last_seen)"
                + " SELECT stream, delivery_key, sink, event_time, last_seen FROM pta_delivery",
        "DROP TABLE pta_delivery",
    };

    private static final String SELECT_WATERMARK = "SELECT event_time FROM pta_watermark WHERE stream = ?";
    private static final String SELECT_DELIVERED =
            "SELECT delivery_key, sink, last_seen FROM pta_delivery_log WHERE stream = ? AND event_time >= ?";
    private static final String SELECT_SINKS =
            "SELECT sink FROM pta_delivery_log WHERE stream = ? AND event_time = ? AND delivery_key = ?";
    private static final String INSERT_DELIVERY =
            "INSERT INTO pta_delivery_log (stream, delivery_key, sink, event_time, last_seen) VALUES (?, ?, ?, ?, ?)";
    private static final String SELECT_FUTURE_WATERMARKS = "SELECT stream, event_time FROM pta_watermark WHERE event_time > ?";
    private static final String SELECT_NEWEST_PLAUSIBLE =
            "SELECT MAX(event_time) FROM pta_delivery_log WHERE stream = ? AND event_time <= ?";
    /** When this host first recorded an impossible version: when the stream stopped reading new events. */
    private static final String SELECT_FIRST_FUTURE_RECORD =
            "SELECT MIN(last_seen) FROM pta_delivery_log WHERE stream = ? AND event_time > ?";
    private static final String DELETE_FUTURE_DELIVERIES = "DELETE FROM pta_delivery_log WHERE stream = ? AND event_time > ?";
    private static final String SET_WATERMARK_BACK =
            "UPDATE pta_watermark SET event_time = ? WHERE stream = ? AND event_time > ?";
    private static final String DELETE_WATERMARK = "DELETE FROM pta_watermark WHERE stream = ? AND event_time > ?";
    /** pta.delivery.max-clock-skew as application.properties sets it, for the callers that do not say. */
    private static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(2);
    private static final String EXPIRE =
            "DELETE FROM pta_delivery_log WHERE stream = ? AND event_time < ? AND last_seen < ?";
    /** Shared by every version recorded as done alone, most of them: a read of a million needs no million sets. */
    private static final Set<String> DONE_ONLY = Set.of(DONE);

    /** A password given as a URL parameter: {@code password=...} up to the next separator. */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^;&]*");

    private final DataSource pool;
    /** Whether the pool is this store's own, to close with it (not a host's DataSource). */
    private final boolean ownPool;
    private final Dialect dialect;
    private final String location;
    private final String password;
    private final Clock clock;

    private JdbcDeliveryStore(DataSource pool, boolean ownPool, Dialect dialect, String location, String password, Clock clock) {
        this.pool = pool;
        this.ownPool = ownPool;
        this.dialect = dialect;
        this.location = location;
        this.password = password;
        this.clock = clock;
    }

    /** Opens the store with the system clock for the time a delivery was last seen. */
    public static JdbcDeliveryStore open(String jdbcUrl, String username, String password) {
        return open(jdbcUrl, username, password, Clock.systemUTC());
    }

    /** Opens the store, repairing a watermark more than 5 minutes ahead of {@code clock}. */
    public static JdbcDeliveryStore open(String jdbcUrl, String username, String password, Clock clock) {
        return open(jdbcUrl, username, password, clock, DEFAULT_MAX_CLOCK_SKEW);
    }

    /**
     * Opens the store at {@code jdbcUrl}, creating its tables if they are missing, and repairs a
     * watermark later than now plus {@code maxClockSkew} (see {@link #repairFutureWatermarks}). An
     * empty {@code username} or {@code password} means none. Fails at once, naming the URL without
     * its password, if the database cannot be reached.
     */
    public static JdbcDeliveryStore open(String jdbcUrl, String username, String password, Clock clock,
                                         Duration maxClockSkew) {
        String location = URL_PASSWORD.matcher(jdbcUrl).replaceAll("$1***");
        HikariConfig config = new HikariConfig();
        config.setPoolName("pta-delivery-state");
        config.setJdbcUrl(jdbcUrl);
        // Named, not looked up through META-INF/services: the fat jar keeps only one java.sql.Driver list.
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            config.setDriverClassName("org.h2.Driver");
        } else if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            config.setDriverClassName("org.postgresql.Driver");
        }
        if (!username.isEmpty()) {
            config.setUsername(username);
        }
        if (!password.isEmpty()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(4);
        // One connection stays open: an embedded H2 database closes with its last connection.
        config.setMinimumIdle(1);
        config.setAutoCommit(false);
        config.setConnectionTimeout(10_000);
        // Try once to connect at open and fail with the reason, rather than retrying in the background.
        config.setInitializationFailTimeout(1);
        if (jdbcUrl.regionMatches(true, 0, "jdbc:h2:", 0, "jdbc:h2:".length())) {
            // H2 writes a commit to its file up to 500 ms after it returns, so a kill -9 would lose it. The
            // setting lasts as long as the database is open, and it closes with its last connection.
            config.setConnectionInitSql("SET WRITE_DELAY 0");
        }
        HikariDataSource pool = null;
        try {
            createH2Directory(jdbcUrl);
            pool = new HikariDataSource(config);
            Dialect dialect;
            try (Connection connection = pool.getConnection()) {
                dialect = Dialect.of(connection);
                createSchema(connection, dialect, clock.millis(), maxClockSkew.toMillis());
            }
            LOG.info("Delivery state at {} ({})", location, dialect.product);
            return new JdbcDeliveryStore(pool, true, dialect, location, password, clock);
        } catch (SQLException | IOException | RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            throw new IllegalStateException(
                    "cannot open the delivery state at " + location + ": " + reason(e, password), e);
        }
    }

    /**
     * Opens the store on a host application's own DataSource (its pool, its credentials), creating the tables
     * if they are missing; the host closes it. Each transaction runs with auto-commit off.
     */
    public static JdbcDeliveryStore open(DataSource dataSource, Clock clock, Duration maxClockSkew) {
        JdbcDeliveryStore store = new JdbcDeliveryStore(dataSource, false, null, "the host's DataSource", "", clock);
        try (Connection connection = store.connection()) {
            Dialect dialect = Dialect.of(connection);
            createSchema(connection, dialect, clock.millis(), maxClockSkew.toMillis());
            LOG.info("Delivery state in the host's DataSource ({})", dialect.product);
            return new JdbcDeliveryStore(dataSource, false, dialect, "the host's DataSource (" + dialect.product + ")", "", clock);
        } catch (SQLException | RuntimeException e) {
            throw new IllegalStateException("cannot open the delivery state in the host's DataSource: " + reason(e, ""), e);
        }
    }

    /** A connection in a transaction of its own: a host's pool may hand them out with auto-commit on. */
    private Connection connection() throws SQLException {
        Connection connection = pool.getConnection();
        if (connection.getAutoCommit()) {
            connection.setAutoCommit(false);
        }
        return connection;
    }

    @Override
    public OptionalLong get(String stream) {
        try (Connection connection = connection();
             PreparedStatement select = connection.prepareStatement(SELECT_WATERMARK)) {
            select.setString(1, stream);
            try (ResultSet row = select.executeQuery()) {
                OptionalLong mark = row.next() ? OptionalLong.of(row.getLong(1)) : OptionalLong.empty();
                connection.commit();
                return mark;
            }
        } catch (SQLException e) {
            throw failure("could not read the watermark of " + stream, e);
        }
    }

    @Override
    public void advance(String stream, long eventTimeMillis) {
        commit(stream, List.of(), OptionalLong.of(eventTimeMillis));
    }

    @Override
    public Map<String, Recorded> deliveredSince(String stream, long fromEventTime) {
        Map<String, Recorded> delivered = new HashMap<>();
        try (Connection connection = connection();
             PreparedStatement select = connection.prepareStatement(SELECT_DELIVERED)) {
            select.setFetchSize(BATCH);
            select.setString(1, stream);
            select.setLong(2, fromEventTime);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String sink = rows.getString(2);
                    Recorded row = new Recorded(DONE.equals(sink) ? DONE_ONLY : Set.of(sink), rows.getLong(3));
                    delivered.merge(rows.getString(1), row, JdbcDeliveryStore::fold);
                }
            }
            connection.commit();
            return delivered;
        } catch (SQLException e) {
            throw failure("could not read the deliveries of " + stream, e);
        }
    }

    @Override
    public Set<String> sinksOf(String stream, String key, long eventTimeMillis) {
        Set<String> sinks = new HashSet<>();
        try (Connection connection = connection();
             PreparedStatement select = connection.prepareStatement(SELECT_SINKS)) {
            select.setString(1, stream);
            select.setLong(2, eventTimeMillis);
            select.setString(3, key);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    sinks.add(rows.getString(1));
                }
            }
            connection.commit();
            return sinks;
        } catch (SQLException e) {
            throw failure("could not read the deliveries of " + stream, e);
        }
    }

    /**
     * Two records of one version as one: every sink either names, and the later time, but that of a
     * record saying done if only one of them does: it is that record retention must not forget.
     */
    private static Recorded fold(Recorded a, Recorded b) {
        Set<String> sinks = a.sinks();
        if (!sinks.containsAll(b.sinks())) {
            sinks = new HashSet<>(sinks);
            sinks.addAll(b.sinks());
        }
        boolean aDone = a.sinks().contains(DONE);
        long time = aDone == b.sinks().contains(DONE) ? Math.max(a.lastRecorded(), b.lastRecorded())
                : aDone ? a.lastRecorded() : b.lastRecorded();
        return new Recorded(sinks, time);
    }

    @Override
    public void commit(String stream, Collection<Delivery> deliveries, OptionalLong watermark) {
        long now = clock.millis();
        try (Connection connection = connection()) {
            try {
                if (!deliveries.isEmpty()) {
                    try (PreparedStatement insert = connection.prepareStatement(INSERT_DELIVERY)) {
                        int pending = 0;
                        for (Iterator<Delivery> it = deliveries.iterator(); it.hasNext(); ) {
                            Delivery delivery = it.next();
                            insert.setString(1, stream);
                            insert.setString(2, delivery.key());
                            insert.setString(3, delivery.sink());
                            insert.setLong(4, delivery.eventTimeMillis());
                            insert.setLong(5, now);
                            insert.addBatch();
                            if (++pending == BATCH || !it.hasNext()) {
                                insert.executeBatch();
                                pending = 0;
                            }
                        }
                    }
                }
                if (watermark.isPresent()) {
                    try (PreparedStatement raise = connection.prepareStatement(dialect.raiseWatermark)) {
                        raise.setString(1, stream);
                        raise.setLong(2, watermark.getAsLong());
                        raise.executeUpdate();
                    }
                }
                connection.commit();
            } catch (SQLException e) {
                rollback(connection, e);
                throw e;
            }
            dialect.sync(connection);
        } catch (SQLException e) {
            throw failure(deliveries.isEmpty()
                    ? "could not move the watermark of " + stream
                    : "could not record " + deliveries.size() + " deliveries of " + stream, e);
        }
    }

    @Override
    public int expire(String stream, long eventTimeBefore, Instant seenBefore) {
        try (Connection connection = connection();
             PreparedStatement delete = connection.prepareStatement(EXPIRE)) {
            delete.setString(1, stream);
            delete.setLong(2, eventTimeBefore);
            delete.setLong(3, seenBefore.toEpochMilli());
            int expired = delete.executeUpdate();
            connection.commit();
            return expired;
        } catch (SQLException e) {
            throw failure("could not expire the old deliveries of " + stream, e);
        }
    }

    @Override
    public void close() {
        if (ownPool && pool instanceof HikariDataSource hikari) {
            hikari.close();
        }
    }

    private static void rollback(Connection connection, SQLException cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException(what + " in the delivery state at " + location + ": " + reason(e, password), e);
    }

    /**
     * The database's own words for what went wrong: a batch's first failed row, else the deepest
     * cause (a refused connection reads "Connection refused"), with the password blanked.
     */
    private static String reason(Throwable e, String password) {
        Throwable cause = e;
        if (e instanceof SQLException sql && sql.getNextException() != null) {
            cause = sql.getNextException();
        }
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        // H2 appends the statement on further lines, PostgreSQL the failing row: the first line says it.
        message = message.lines().findFirst().orElse(message).replaceFirst("; SQL statement:$", "");
        return password.isEmpty() ? message : message.replace(password, "***");
    }

    private static void createH2Directory(String jdbcUrl) throws IOException {
        String prefix = "jdbc:h2:file:";
        if (jdbcUrl.regionMatches(true, 0, prefix, 0, prefix.length())) {
            String file = jdbcUrl.substring(prefix.length()).split(";", 2)[0];
            if (file.startsWith("~")) {
                file = System.getProperty("user.home") + file.substring(1);
            }
            Path parent = Path.of(file).toAbsolutePath().getParent();
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new IOException("cannot create the folder " + parent + " (" + e + ")");
            }
        }
    }

    private static void createSchema(Connection connection, Dialect dialect, long nowMillis, long maxClockSkewMillis)
            throws SQLException {
        long latestMillis = nowMillis + maxClockSkewMillis;
        try (Statement statement = connection.createStatement()) {
            if (dialect.schemaLock != null) {
                statement.execute(dialect.schemaLock);
            }
            for (String ddl : SCHEMA) {
                statement.execute(ddl);
            }
            for (String ddl : dialect.schema) {
                statement.execute(ddl);
            }
            if (tableExists(connection, FORMER_TABLE)) {
                // H2 commits the copy with the DROP; a crash between the two copies it again on the next
                // open, and a version recorded twice is still one version.
                if (dialect.lockFormerTable != null) {
                    // An instance of an earlier build still running commits nothing between the copy and the drop.
                    statement.execute(dialect.lockFormerTable);
                }
                for (String sql : MIGRATE) {
                    statement.execute(sql);
                }
                LOG.info("Moved the delivery records of {} to pta_delivery_log", FORMER_TABLE);
            }
            // Under the schema lock, so that instances starting together repair once.
            repairFutureWatermarks(connection, latestMillis, maxClockSkewMillis);
            connection.commit();
            // Also fails here, not at the first commit, if the user may not force H2's file to disk.
            dialect.sync(connection);
        } catch (SQLException e) {
            rollback(connection, e);
            throw e;
        }
    }

    /**
     * A watermark later than {@code latestMillis} (now plus the allowed clock skew) came from an event time no
     * PTA could send (a build that did not reject them): every poll would ask for events after it, and get none,
     * for good. It is set back to the newest plausible event time recorded as delivered, which is where the
     * poll that read the impossible event would have left it: the events PTA updated since are read again,
     * and what was already delivered is recognised and skipped. "Now" would skip the events missed meanwhile.
     * With no such record (all expired: the stream stalled for longer than the retention), it is set back to
     * when this host first recorded an impossible version, less the allowed skew: the poll that read it had read
     * every event PTA held then, and PTA stamps what came after with its clock, at most the skew behind ours.
     * Further back would send again what the expired records no longer recognise; later would lose events.
     * Only with no record at all of the stream does the watermark go, and the next poll starts as a first one
     * (pta.security-events.initial-lookback). The records of the impossible versions go too: they would never
     * expire, and are read by every poll.
     */
    private static void repairFutureWatermarks(Connection connection, long latestMillis, long maxClockSkewMillis)
            throws SQLException {
        Map<String, Long> future = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement(SELECT_FUTURE_WATERMARKS)) {
            select.setLong(1, latestMillis);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    future.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        for (Map.Entry<String, Long> mark : future.entrySet()) {
            String stream = mark.getKey();
            OptionalLong newest = selectLong(connection, SELECT_NEWEST_PLAUSIBLE, stream, latestMillis);
            boolean stalledSince = false;
            if (newest.isEmpty()) {
                OptionalLong first = selectLong(connection, SELECT_FIRST_FUTURE_RECORD, stream, latestMillis);
                stalledSince = first.isPresent();
                newest = stalledSince ? OptionalLong.of(first.getAsLong() - maxClockSkewMillis) : OptionalLong.empty();
            }
            int forgotten;
            try (PreparedStatement delete = connection.prepareStatement(DELETE_FUTURE_DELIVERIES)) {
                delete.setString(1, stream);
                delete.setLong(2, latestMillis);
                forgotten = delete.executeUpdate();
            }
            String sql = newest.isPresent() ? SET_WATERMARK_BACK : DELETE_WATERMARK;
            try (PreparedStatement repair = connection.prepareStatement(sql)) {
                int i = 1;
                if (newest.isPresent()) {
                    repair.setLong(i++, newest.getAsLong());
                }
                repair.setString(i++, stream);
                repair.setLong(i, latestMillis);
                repair.executeUpdate();
            }
            LOG.error("The watermark of {} was {}, later than now plus pta.delivery.max-clock-skew ({}): no poll would "
                      + "have read another event. {}; {} delivery records of versions from after {} removed",
                    stream, describe(mark.getValue()), Instant.ofEpochMilli(latestMillis),
                    stalledSince
                            ? "Set back to " + describe(newest.getAsLong()) + ", when an impossible event was first recorded "
                              + "less pta.delivery.max-clock-skew, as every plausible delivery record has expired: the events "
                              + "PTA updated since are read again"
                            : newest.isPresent()
                            ? "Set back to " + describe(newest.getAsLong()) + ", the newest plausible event delivered: "
                              + "the events PTA updated since are read again"
                            : "Removed, as no delivery is recorded: the next poll starts as a first one",
                    forgotten, Instant.ofEpochMilli(latestMillis));
        }
    }

    /** The one number {@code sql} selects for a stream and a time, if it is not NULL. */
    private static OptionalLong selectLong(Connection connection, String sql, String stream, long millis) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setString(1, stream);
            select.setLong(2, millis);
            try (ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    long value = row.getLong(1);
                    return row.wasNull() ? OptionalLong.empty() : OptionalLong.of(value);
                }
                return OptionalLong.empty();
            }
        }
    }

    /** An epoch-ms value as a log shows it (any long is within an Instant's range). */
    private static String describe(long millis) {
        return Instant.ofEpochMilli(millis) + " (" + millis + " ms)";
    }

    /** Whether the table is in the connection's schema; H2 keeps unquoted names in capitals, PostgreSQL in lower case. */
    private static boolean tableExists(Connection connection, String table) throws SQLException {
        DatabaseMetaData meta = connection.getMetaData();
        String name = meta.storesUpperCaseIdentifiers() ? table.toUpperCase(Locale.ROOT) : table;
        try (ResultSet tables = meta.getTables(connection.getCatalog(), connection.getSchema(), name, new String[] {"TABLE"})) {
            return tables.next();
        }
    }

    /** What differs between the databases: moving the watermark, creating the schema, forcing a commit to disk. */
    private enum Dialect {
        POSTGRESQL("PostgreSQL",
                // ON CONFLICT locks the row, so GREATEST compares with the newest committed watermark.
                "INSERT INTO pta_watermark (stream, event_time) VALUES (?, ?)"
                        + " ON CONFLICT (stream) DO UPDATE SET event_time = GREATEST(pta_watermark.event_time, EXCLUDED.event_time)",
                // PostgreSQL updates a B-tree in place, so random keys cost it little; reads and expiry use it.
                new String[] {"CREATE INDEX IF NOT EXISTS pta_delivery_log_stream_time ON pta_delivery_log (stream, event_time)"},
                // CREATE TABLE IF NOT EXISTS fails on a concurrent one: two instances starting together take turns.
                "SELECT pg_advisory_xact_lock(7310541923)",
                "LOCK TABLE pta_delivery IN ACCESS EXCLUSIVE MODE",
                // PostgreSQL's commit already waits for its log to reach the disk (synchronous_commit).
                null),
        H2("H2",
                "MERGE INTO pta_watermark w USING (VALUES (CAST(? AS VARCHAR), CAST(? AS BIGINT))) s (stream, event_time)"
                        + " ON w.stream = s.stream"
                        + " WHEN MATCHED AND s.event_time > w.event_time THEN UPDATE SET event_time = s.event_time"
                        + " WHEN NOT MATCHED THEN INSERT (stream, event_time) VALUES (s.stream, s.event_time)",
                // No index: H2 copies every page a commit changes; a poll's one read and one expiry scan the log.
                new String[0],
                null,
                // An embedded file has one process.
                null,
                // With WRITE_DELAY 0 a commit is written to the file but not forced: this survives a power cut too.
                "CHECKPOINT SYNC");

        final String product;
        final String raiseWatermark;
        final String[] schema;
        final String schemaLock;
        final String lockFormerTable;
        final String forceToDisk;

        Dialect(String product, String raiseWatermark, String[] schema, String schemaLock, String lockFormerTable,
                String forceToDisk) {
            this.product = product;
            this.raiseWatermark = raiseWatermark;
            this.schema = schema;
            this.schemaLock = schemaLock;
            this.lockFormerTable = lockFormerTable;
            this.forceToDisk = forceToDisk;
        }

        static Dialect of(Connection connection) throws SQLException {
            String name = connection.getMetaData().getDatabaseProductName();
            for (Dialect dialect : values()) {
                if (dialect.product.equalsIgnoreCase(name)) {
                    return dialect;
                }
            }
            throw new SQLException("unsupported database " + name + ": pta-router keeps its state in H2 or PostgreSQL");
        }

        /** Returns once what the connection committed is on disk. */
        void sync(Connection connection) throws SQLException {
            if (forceToDisk != null) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(forceToDisk);
                }
            }
        }
    }
}
