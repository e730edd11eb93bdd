package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.h2.api.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.ptarouter.pta.PollTracker;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;

/**
 * pta.delivery.retention (7 days here, as shipped): at the end of a poll, the delivery records last seen longer ago than
 * that are forgotten, and the younger ones are kept, whatever the watermark. The log is swept in the background from the
 * first poll's end, then at most hourly.
 */
class RetentionTest extends ReliabilityTestSupport {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @Test
    void aPollForgetsTheRecordsPastTheRetentionAndKeepsTheYoungerOnes() throws Exception {
        stubLogon(TOKEN);
        webhookWorks();
        long first = NOW.toEpochMilli() - 60_000;
        stubSecurityEvents(Events.array(high(1, first)));
        pollAndSweep();
        clock.advance(Duration.ofDays(4));
        long second = clock.millis() - 60_000;
        stubSecurityEvents(Events.array(high(2, second)));
        pollAndSweep();
        assertThat(recordedKeys()).contains(key(1, first), key(2, second));

        clock.advance(Duration.ofDays(4)); // the first poll's records are 8 days old, the second's 4
        long third = clock.millis() - 60_000;
        stubSecurityEvents(Events.array(high(3, third)));
        pollAndSweep();

        assertThat(recordedKeys()).doesNotContain(key(1, first)).contains(key(2, second), key(3, third));
        assertThat(watermarks().get(STREAM)).hasValue(third);
    }

    @Test
    void theRecordsPastTheRetentionAreForgottenAtMostHourly() throws Exception {
        stubLogon(TOKEN);
        webhookWorks();
        long first = NOW.toEpochMilli() - 60_000;
        stubSecurityEvents(Events.array(high(1, first)));
        pollAndSweep();
        clock.advance(Duration.ofDays(7).minusMinutes(10));
        stubSecurityEvents(Events.array(high(2, clock.millis() - 60_000)));
        pollAndSweep(); // sweeps: the first record is 10 minutes short of the retention
        assertThat(recordedKeys()).contains(key(1, first));

        clock.advance(Duration.ofMinutes(20)); // the first record is past the retention, the last sweep 20 minutes ago
        stubSecurityEvents(Events.array(high(3, clock.millis() - 60_000)));
        pollAndSweep();
        assertThat(recordedKeys()).contains(key(1, first));

        clock.advance(Duration.ofMinutes(41)); // the last sweep an hour and a minute ago
        long fourth = clock.millis() - 60_000;
        stubSecurityEvents(Events.array(high(4, fourth)));
        pollAndSweep();
        assertThat(recordedKeys()).doesNotContain(key(1, first)).contains(key(4, fourth));
    }

    @Test
    void aSweepThatFailsIsReportedAndTriedAgainAtTheNextPollsEnd() throws Exception {
        stubLogon(TOKEN);
        webhookWorks();
        long first = NOW.toEpochMilli() - 60_000;
        stubSecurityEvents(Events.array(high(1, first)));
        pollAndSweep();
        clock.advance(Duration.ofDays(8));
        sql("CREATE TRIGGER pta_test_refuse_deletes BEFORE DELETE ON pta_delivery_log CALL \""
                + RefuseDeletes.class.getName() + "\"");
        long second = clock.millis() - 60_000;
        stubSecurityEvents(Events.array(high(2, second)));
        pollAndSweep();

        // The poll itself succeeded; the old record is still there, and the operator is told why.
        assertThat(watermarks().get(STREAM)).hasValue(second);
        assertThat(recordedKeys()).contains(key(1, first), key(2, second));
        assertThat(log.text()).contains("WARN io.ptarouter.pta.PollTracker " + STREAM
                + ": the delivery records past the retention are kept for now, tried again at the next poll's end")
                .contains(RefuseDeletes.REASON);

        sql("DROP TRIGGER pta_test_refuse_deletes");
        clock.advance(Duration.ofMinutes(1)); // not an hour: a failed sweep does not count as the last one
        long third = clock.millis() - 60_000;
        stubSecurityEvents(Events.array(high(3, third)));
        pollAndSweep();
        assertThat(recordedKeys()).doesNotContain(key(1, first)).contains(key(2, second), key(3, third));
    }

    /** An H2 trigger that fails every delete from the delivery log, as a database refusing the sweep would. */
    public static final class RefuseDeletes implements Trigger {
        static final String REASON = "deletes refused by RetentionTest";

        @Override
        public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
            throw new SQLException(REASON);
        }
    }

    private void sql(String statement) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + work.resolve("state/pta-router"));
             Statement sql = db.createStatement()) {
            sql.execute(statement);
        }
    }

    /** A poll, then the sweep it may have started in the background, both ended. */
    private void pollAndSweep() throws Exception {
        poll(STREAM);
        assertThat(context.getRegistry().lookupByNameAndType("ptaPolls", PollTracker.class).awaitSweep(Duration.ofSeconds(30)))
                .as("the sweep of old delivery records ended").isTrue();
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
