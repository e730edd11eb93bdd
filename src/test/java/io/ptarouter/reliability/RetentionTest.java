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
 * that are forgotten, and the younger ones are kept, whatever the watermark. The log is swept at the first poll's end,
 * then at most hourly.
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

    @Test
    void theRecordsPastTheRetentionAreForgottenAtMostHourly() throws Exception {
        stubLogon(TOKEN);
        webhookWorks();
        long first = NOW.toEpochMilli() - 60_000;
        stubSecurityEvents(Events.array(high(1, first)));
        poll(STREAM);
        clock.advance(Duration.ofDays(7).minusMinutes(10));
        stubSecurityEvents(Events.array(high(2, clock.millis() - 60_000)));
        poll(STREAM); // sweeps: the first record is 10 minutes short of the retention
        assertThat(recordedKeys()).contains(key(1, first));

        clock.advance(Duration.ofMinutes(20)); // the first record is past the retention, the last sweep 20 minutes ago
        stubSecurityEvents(Events.array(high(3, clock.millis() - 60_000)));
        poll(STREAM);
        assertThat(recordedKeys()).contains(key(1, first));

        clock.advance(Duration.ofMinutes(41)); // the last sweep an hour and a minute ago
        long fourth = clock.millis() - 60_000;
        stubSecurityEvents(Events.array(high(4, fourth)));
        poll(STREAM);
        assertThat(recordedKeys()).doesNotContain(key(1, first)).contains(key(4, fourth));
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
