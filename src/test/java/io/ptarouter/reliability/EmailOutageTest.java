package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ptarouter.sink.EmailComposer;
import io.ptarouter.testing.Events;

/**
 * An SMTP server that goes down while events keep coming and comes back on the same port: the
 * other sinks get every event meanwhile, the watermark waits below what email still owes, and once
 * the server is back it gets every owed mail, each once by Message-ID, and none it already had.
 */
class EmailOutageTest extends ReliabilityTestSupport {

    private final long t = NOW.toEpochMilli();
    private final MailReceiver smtp = new MailReceiver(freePort());

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.email.port", Integer.toString(smtp.port()),
                "pta.sink.breaker.minimum-calls", "2", "pta.sink.breaker.failure-rate", "50",
                "pta.sink.breaker.open-for", "300ms");
    }

    @AfterEach
    void stopSmtp() {
        smtp.close();
    }

    @Test
    void anSmtpServerThatWasDownGetsEveryOwedMailOnceWhenItIsBackOnTheSamePort() throws Exception {
        stubLogon(TOKEN);
        webhookWorks();
        List<String> keys = List.of(key(1, t), key(2, t + 1), key(3, t + 2), key(4, t + 3), key(5, t + 4));

        // Before the outage: one event, mailed over a connection the sink keeps open afterwards.
        stubSecurityEvents(Events.array(high(1, t)));
        poll(STREAM);
        assertThat(smtp.messageIds()).containsExactly(EmailComposer.messageId(keys.get(0)));

        smtp.stop();
        // Two polls while it is down, each with new events.
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1), high(3, t + 2)));
        poll(STREAM);
        assertThat(fileKeys()).as("the file sink, not held up by email").containsExactlyInAnyOrderElementsOf(keys.subList(0, 3));
        assertThat(watermarks().get(STREAM)).as("below the oldest event email owes").hasValue(t);

        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1), high(3, t + 2), high(4, t + 3), high(5, t + 4)));
        poll(STREAM);
        assertThat(fileKeys()).as("the file sink, not held up by email").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(jmsKeys()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(webhookKeysAccepted()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(watermarks().get(STREAM)).as("still below the oldest event email owes").hasValue(t);
        assertThat(smtp.messageIds()).hasSize(1);

        smtp.start();
        // The breaker opened during the outage: it lets a trial mail through after open-for, then closes.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            poll(STREAM);
            assertThat(smtp.mails().keys()).containsExactlyInAnyOrderElementsOf(keys);
        });
        poll(STREAM);

        assertThat(smtp.messageIds()).as("every mail once, by Message-ID")
                .containsExactlyInAnyOrderElementsOf(keys.stream().map(EmailComposer::messageId).toList());
        assertThat(fileKeys()).as("file lines").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(jmsKeys()).as("JMS messages").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(webhookKeysAccepted()).as("webhook calls accepted").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(watermarks().get(STREAM)).hasValue(t + 4);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port for the SMTP server", e);
        }
    }
}
