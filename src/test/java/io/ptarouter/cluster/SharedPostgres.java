package io.ptarouter.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

/** A fresh schema of its own on the test PostgreSQL ({@code PTA_TEST_POSTGRES_URL}, user postgres), dropped on close. */
final class SharedPostgres implements AutoCloseable {

    final String server = System.getenv().getOrDefault("PTA_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    final String user = System.getenv().getOrDefault("PTA_TEST_POSTGRES_USER", "postgres");
    final String schema = "pta_test_" + UUID.randomUUID().toString().replace("-", "");

    SharedPostgres() throws SQLException {
        execute("CREATE SCHEMA " + schema);
    }

    String url() {
        return server + (server.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    Properties credentials() {
        Properties credentials = new Properties();
        credentials.setProperty("user", user);
        return credentials;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), user, "");
    }

    void execute(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server, user, "");
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
}
