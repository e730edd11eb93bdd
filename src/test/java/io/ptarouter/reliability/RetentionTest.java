package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;

/**
 * pta.delivery.retention (7 days here, as shipped): at the end of a poll, the delivery records last seen longer ago than
 * that are forgotten, and the younger ones are kept, whatever the watermark.
 */
class RetentionTest extends ReliabilityTestSupport {

    @Test
    void aPollForgetsTheRecordsPastTheRetentionAndKeepsTheYoungerOnes() throws Exception {
        stubLogon(TOKEN);
        webhookWorks();
        long first = NOW.toEpochMilli() - 60_000;
        stubSecurityEvents(Events.array(high(1, first)));
        poll(STREAM);
        clock.advance(Duration.ofDays(4));
        long second = clock.millis() - 60_000;
        stubSecurityEvents(Events.array(high(2, second)));
        poll(STREAM);
        assertThat(recordedKeys()).contains(key(1, first), key(2, second));

        clock.advance(Duration.ofDays(4)); // the first poll's records are 8 days old, the second's 4
        long third = clock.millis() - 60_000;
        stubSecurityEvents(Events.array(high(3, third)));
        poll(STREAM);

        assertThat(recordedKeys()).doesNotContain(key(1, first)).contains(key(2, second), key(3, third));
        assertThat(watermarks().get(STREAM)).hasValue(third);
    }

    /** The versions the delivery state holds a record of, read from its own H2 database (this JVM has it open). */
    private List<String> recordedKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + work.resolve("state/pta-router"));
             Statement select = db.createStatement();
             ResultSet rows = select.executeQuery("SELECT DISTINCT delivery_key FROM pta_delivery_log")) {
            while (rows.next()) {
                keys.add(rows.getString(1));
            }
        }
        return keys;
    }
}
