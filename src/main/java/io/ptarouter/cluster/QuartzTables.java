package io.ptarouter.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Quartz's tables for its clustered JDBC store, created if missing, in the schema of the delivery state. The DDL is
 * the script Quartz ships for PostgreSQL ({@code tables_postgres.sql} in its jar), made idempotent: its DROPs and
 * its closing COMMIT are left out, every CREATE gets IF NOT EXISTS. Neither Quartz nor Camel creates these tables, and
 * a migration library would add a dependency for one list of statements that never changes within a Quartz version.
 */
final class QuartzTables {

    private static final String SCRIPT = "org/quartz/impl/jdbcjobstore/tables_postgres.sql";
    /** The same lock the delivery state takes for its own tables: instances starting together take turns. */
    private static final String SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(7310541923)";

    private QuartzTables() {
    }

    static void create(Connection connection) throws SQLException, IOException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute(SCHEMA_LOCK);
            for (String ddl : statements()) {
                // Only what is missing: CREATE INDEX IF NOT EXISTS takes a ShareLock on its table before it looks, which
                // deadlocks with the instances already running Quartz on these tables.
                if (!exists(connection, relation(ddl))) {
                    statement.execute(ddl);
                }
            }
            statement.execute(AdvisoryLockFence.POLLER_TABLE);
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The table or index a statement of {@link #statements()} creates. */
    static String relation(String ddl) {
        String rest = ddl.substring(ddl.indexOf("IF NOT EXISTS ") + "IF NOT EXISTS ".length()).trim();
        return rest.split("[\\s(]", 2)[0].toLowerCase(Locale.ROOT); // unquoted in the script: PostgreSQL folds it
    }

    private static boolean exists(Connection connection, String relation) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            query.setString(1, relation);
            try (ResultSet result = query.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }

    /** The script's CREATE statements, each made idempotent. */
    static List<String> statements() throws IOException {
        String script;
        try (InputStream in = QuartzTables.class.getClassLoader().getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IOException(SCRIPT + " is not on the class path (the quartz jar)");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> statements = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("--")) {
                sql.append(line).append('\n');
            }
        }
        for (String statement : sql.toString().split(";")) {
            String ddl = statement.trim();
            String upper = ddl.toUpperCase(Locale.ROOT);
            if (upper.startsWith("CREATE TABLE ")) {
                statements.add("CREATE TABLE IF NOT EXISTS " + ddl.substring("CREATE TABLE ".length()));
            } else if (upper.startsWith("CREATE INDEX ")) {
                statements.add("CREATE INDEX IF NOT EXISTS " + ddl.substring("CREATE INDEX ".length()));
            }
        }
        return statements;
    }
}
