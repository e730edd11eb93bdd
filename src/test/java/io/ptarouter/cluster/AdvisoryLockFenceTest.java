package io.ptarouter.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ptarouter.pta.PollFence;

/** The poll fence against a real PostgreSQL: two instances (two fences) on one schema, as two processes would be. */
class AdvisoryLockFenceTest {

    private static final String STREAM = "security-events";

    private SharedPostgres postgres;
    private AdvisoryLockFence first;
    private AdvisoryLockFence second;

    @BeforeEach
    void twoInstances() throws Exception {
        postgres = new SharedPostgres();
        try (Connection connection = postgres.connect()) {
            QuartzTables.create(connection);
        }
        first = new AdvisoryLockFence(postgres.url(), postgres.credentials(), "node-a", Duration.ofSeconds(2));
        second = new AdvisoryLockFence(postgres.url(), postgres.credentials(), "node-b", Duration.ofSeconds(2));
    }

    @AfterEach
    void dropSchema() throws Exception {
        postgres.close();
    }

    @Test
    void aStreamIsPolledByOneInstanceAtATimeAndIsFreeAgainOnceThePollEnds() {
        PollFence.Lease lease = first.enter(STREAM).orElseThrow();
        assertThat(first.polling(STREAM)).isTrue();

        assertThat(second.enter(STREAM)).as("the other instance, while the first polls").isEmpty();
        assertThat(second.enter("risk-events")).as("another stream").isPresent().get().satisfies(PollFence.Lease::close);
        lease.close();

        assertThat(first.polling(STREAM)).isFalse();
        try (PollFence.Lease next = second.enter(STREAM).orElseThrow()) {
            assertThat(next.confirm()).isTrue();
        }
    }

    @Test
    void aLiveInstanceKeepsItsLockLongerThanTheFenceTimeoutThroughItsHeartbeat() {
        try (PollFence.Lease lease = first.enter(STREAM).orElseThrow()) {
            // Three timeouts without a statement from the poll itself: only the heartbeat keeps the session.
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(500))
                    .until(() -> second.enter(STREAM).isEmpty());
            assertThat(lease.confirm()).isTrue();
        }
    }

    @Test
    void aPollWhoseLockSessionEndedHasLostTheStreamAndAnotherInstanceTakesIt() throws Exception {
        PollFence.Lease lease = first.enter(STREAM).orElseThrow();
        // What the server does to the session of a paused instance once idle_session_timeout passes.
        terminateLockSessions();

        Optional<PollFence.Lease> takenOver = await().atMost(Duration.ofSeconds(10)).until(() -> second.enter(STREAM),
                Optional::isPresent);
        assertThat(lease.confirm()).as("the first poll, asking the database").isFalse();
        assertThat(lease.stillHeld()).as("and from then on").isFalse();
        assertThat(first.polling(STREAM)).isFalse();
        lease.close();
        takenOver.orElseThrow().close();
    }

    @Test
    void theLastPollerOfEachStreamAndItsLastSuccessAreShared() {
        try (PollFence.Lease lease = first.enter(STREAM).orElseThrow()) {
            lease.succeeded();
        }
        try (PollFence.Lease lease = second.enter(STREAM).orElseThrow()) {
            assertThat(first.lastPollers().get(STREAM)).containsEntry("lastPolledBy", "node-b")
                    .containsKeys("lastPollStarted", "lastSuccessfulPoll");
        }
    }

    private void terminateLockSessions() throws Exception {
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_locks"
                     + " WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                     + " AND classid = " + 0x50544152
                     // this test's stream in this test's schema only, not the locks of other tests or instances
                     + " AND objid::bigint = (hashtext(current_schema() || '/" + STREAM + "')::bigint & 4294967295)")) {
            int ended = 0;
            while (rows.next()) {
                ended++;
            }
            assertThat(ended).as("lock sessions ended").isEqualTo(1);
        }
    }
}
