package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * The email sink keeps its SMTP connections open from one mail to the next, one per lane, instead
 * of a connection per mail; a connection that has carried pta.sink.email.mails-per-connection mails
 * is replaced. Connections are counted by a relay between the sink and the SMTP server.
 */
class EmailConnectionsTest {

    private static final int MAILS = 20;

    @Nested
    class OnTwoLanes extends MailFlood {

        @Override
        Map<String, String> email() {
            return Map.of("pta.sink.email.concurrency", "2");
        }

        @Test
        void twentyMailsTravelOverAtMostTwoConnections() throws Exception {
            poll("security-events");

            assertThat(mails()).hasSize(MAILS);
            assertThat(relay.connections()).isBetween(1, 2);
        }
    }

    @Nested
    class WithFiveMailsPerConnection extends MailFlood {

        @Override
        Map<String, String> email() {
            return Map.of("pta.sink.email.concurrency", "1", "pta.sink.email.mails-per-connection", "5");
        }

        @Test
        void twentyMailsTravelOverFourConnections() throws Exception {
            poll("security-events");

            assertThat(mails()).hasSize(MAILS);
            assertThat(relay.connections()).isEqualTo(MAILS / 5);
        }
    }

    /** Twenty high events, each mailed, through a relay that counts the SMTP connections. */
    abstract class MailFlood extends RouterTestSupport {

        final Relay relay = new Relay(() -> SMTP.getSmtp().getPort());

        abstract Map<String, String> email();

        @Override
        protected Map<String, String> settings() {
            Map<String, String> settings = new HashMap<>(email());
            settings.put("pta.sink.email.port", Integer.toString(relay.port()));
            settings.put("pta.sink.jms.enabled", "false");
            settings.put("pta.sink.webhook.enabled", "false");
            return settings;
        }

        @BeforeEach
        void pvwa() {
            stubLogon(TOKEN);
            List<ObjectNode> events = new ArrayList<>();
            for (int n = 1; n <= MAILS; n++) {
                events.add(Events.security(Events.id(n), "SuspectedCredentialsTheft", 90.0, NOW.toEpochMilli() + n));
            }
            stubSecurityEvents(Events.array(events));
        }

        @AfterEach
        void stopRelay() {
            relay.close();
        }
    }

    /** Passes bytes both ways between a client and the test's SMTP server, and counts the connections. */
    static final class Relay implements AutoCloseable {

        private final ServerSocket server;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final AtomicInteger connections = new AtomicInteger();
        private final IntSupplier target;

        Relay(IntSupplier target) {
            this.target = target;
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            threads.execute(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    connections.incrementAndGet();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target.getAsInt());
                    threads.execute(() -> pipe(client, upstream));
                    threads.execute(() -> pipe(upstream, client));
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private static void pipe(Socket from, Socket to) {
            try (from; to) {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // one side went away: the other is closed with it
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException e) {
                // nothing more to close
            }
            threads.shutdownNow();
        }
    }
}
