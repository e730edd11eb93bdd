package io.ptarouter.cluster;

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

    private static void configure(Map<String, String> settings, boolean hostDataSource) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("pta.cluster.enabled", "true");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            ClusterMode.configureIfEnabled(context, new Settings(key -> Optional.ofNullable(all.get(key))), null, null,
                    hostDataSource);
        }
    }
}
