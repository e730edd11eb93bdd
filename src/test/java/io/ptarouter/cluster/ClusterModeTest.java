package io.ptarouter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import io.ptarouter.config.InvalidConfigurationException;
import io.ptarouter.config.Settings;

/** Cluster mode refuses, naming the setting to change, what each instance would have to itself. */
class ClusterModeTest {

    private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test";

    @Test
    void theEmbeddedH2StateIsRefusedNamingTheStateUrl() {
        assertThatThrownBy(() -> configure(Map.of("pta.state.jdbc-url", "jdbc:h2:file:./data/state/pta-router"), false))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("Invalid configuration 'pta.state.jdbc-url'").hasMessageContaining("PostgreSQL");
    }

    @Test
    void aHostsDataSourceIsRefusedNamingTheStateUrl() {
        assertThatThrownBy(() -> configure(Map.of("pta.state.jdbc-url", POSTGRES), true))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("Invalid configuration 'pta.state.jdbc-url'").hasMessageContaining("host's DataSource");
    }

    @Test
    void theEmbeddedBrokerIsRefusedNamingTheBrokerUrl() {
        assertThatThrownBy(() -> configure(Map.of("pta.state.jdbc-url", POSTGRES), false))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("Invalid configuration 'pta.sink.jms.broker-url'").hasMessageContaining("all instances share");
    }

    @Test
    void theUpdatesQueueAloneNeedsTheSharedBrokerToo() {
        assertThatThrownBy(() -> configure(Map.of("pta.state.jdbc-url", POSTGRES, "pta.sink.jms.enabled", "false",
                "pta.updates.jms.enabled", "true"), false))
                .hasMessageStartingWith("Invalid configuration 'pta.sink.jms.broker-url'");
    }

    @Test
    void aPausedInstancesOpenTransactionIsEndedSoItsRowLocksNoLongerHoldTheOthersUp() throws Exception {
        String url = ClusterMode.endingStuckTransactions(POSTGRES, java.time.Duration.ofSeconds(1));
        String table = "pta_stuck_" + Long.toHexString(System.nanoTime());
        try (java.sql.Connection other = java.sql.DriverManager.getConnection(POSTGRES, "postgres", "");
             java.sql.Connection paused = java.sql.DriverManager.getConnection(url, "postgres", "")) {
            other.createStatement().execute("CREATE TABLE " + table + " (id int PRIMARY KEY)");
            other.createStatement().execute("INSERT INTO " + table + " VALUES (1)");
            paused.setAutoCommit(false);
            // As Quartz's cluster lock: a row locked in a transaction that then sits idle (its instance paused).
            paused.createStatement().execute("SELECT id FROM " + table + " WHERE id = 1 FOR UPDATE");
            other.createStatement().execute("SET lock_timeout = '10s'");
            long started = System.nanoTime();
            // Waits for the paused session's lock; PostgreSQL ends that session after the timeout, and this goes on.
            other.createStatement().execute("SELECT id FROM " + table + " WHERE id = 1 FOR UPDATE");
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(10));
            assertThatThrownBy(() -> paused.createStatement().execute("SELECT 1")).isInstanceOf(java.sql.SQLException.class);
            other.createStatement().execute("DROP TABLE " + table);
        }
        assertThat(ClusterMode.endingStuckTransactions(POSTGRES + "?ssl=true", java.time.Duration.ofSeconds(5)))
                .isEqualTo(POSTGRES + "?ssl=true&options=-c%20idle_in_transaction_session_timeout%3D5000");
        assertThat(ClusterMode.endingStuckTransactions(POSTGRES + "?options=-c%20search_path%3Dx", java.time.Duration.ofSeconds(5)))
                .as("the URL's own options are kept").isEqualTo(POSTGRES + "?options=-c%20search_path%3Dx");
    }

    private static void configure(Map<String, String> settings, boolean hostDataSource) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("pta.cluster.enabled", "true");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            ClusterMode.configureIfEnabled(context, new Settings(key -> Optional.ofNullable(all.get(key))), null, null,
                    hostDataSource);
        }
    }
}
