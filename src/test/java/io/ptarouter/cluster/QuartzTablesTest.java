package io.ptarouter.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Quartz's tables come from the script in its jar, and creating them again, as every instance does at start-up, is harmless. */
class QuartzTablesTest {

    @Test
    void theTablesAreCreatedOnceAndStartingAgainLeavesThemAndTheirRowsAlone() throws Exception {
        try (SharedPostgres postgres = new SharedPostgres(); Connection connection = postgres.connect()) {
            QuartzTables.create(connection);
            connection.createStatement().execute("INSERT INTO qrtz_locks (sched_name, lock_name) VALUES ('s', 'TRIGGER_ACCESS')");
            QuartzTables.create(connection);

            List<String> tables = new ArrayList<>();
            try (ResultSet rows = connection.getMetaData().getTables(null, postgres.schema, "%", new String[] {"TABLE"})) {
                while (rows.next()) {
                    tables.add(rows.getString("TABLE_NAME"));
                }
            }
            assertThat(tables).contains("qrtz_job_details", "qrtz_triggers", "qrtz_cron_triggers", "qrtz_fired_triggers",
                    "qrtz_scheduler_state", "qrtz_locks", "pta_stream_poller").hasSize(12);
            try (ResultSet count = connection.createStatement().executeQuery("SELECT count(*) FROM qrtz_locks")) {
                count.next();
                assertThat(count.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void anInstanceStartingWhileAnotherWritesQuartzsTablesNeitherWaitsForItNorDeadlocks() throws Exception {
        try (SharedPostgres postgres = new SharedPostgres(); Connection running = postgres.connect();
                Connection starting = postgres.connect()) {
            QuartzTables.create(running);
            // A running instance inside one of Quartz's transactions: row locks on the tables the script indexes.
            running.setAutoCommit(false);
            running.createStatement().execute("LOCK TABLE qrtz_triggers, qrtz_fired_triggers, qrtz_job_details IN ROW EXCLUSIVE MODE");
            starting.createStatement().execute("SET lock_timeout = '2s'");

            QuartzTables.create(starting); // CREATE INDEX IF NOT EXISTS alone would wait for a ShareLock, here fail

            running.rollback();
        }
    }

    @Test
    void eachStatementNamesTheRelationItCreates() throws Exception {
        assertThat(QuartzTables.statements()).extracting(QuartzTables::relation)
                .contains("qrtz_job_details", "qrtz_triggers", "idx_qrtz_t_next_fire_time")
                .allMatch(name -> name.matches("[a-z_]+"));
    }

    @Test
    void theScriptsDropsAndCommitAreLeftOut() throws Exception {
        assertThat(QuartzTables.statements()).hasSize(31)
                .allMatch(sql -> sql.startsWith("CREATE TABLE IF NOT EXISTS ") || sql.startsWith("CREATE INDEX IF NOT EXISTS "));
    }
}
