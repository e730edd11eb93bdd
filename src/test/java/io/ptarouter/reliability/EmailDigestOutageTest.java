package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.user.MessageDeliveryHandler;
import com.icegreen.greenmail.user.UserManager;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.ptarouter.sink.EmailComposer;
import io.ptarouter.testing.Events;

/**
 * An SMTP server that fails every digest mail (451, a transient local error) during a poll: the
 * digests' events stay owed and nothing else waits; the next poll sends the same digests again, with
 * the same Message-IDs, and every event reaches the mailbox once.
 */
class EmailDigestOutageTest extends ReliabilityTestSupport {

    private static final Pattern DIGEST_ID = Pattern.compile("(?m)  id (\\S+)$");
    private static final Pattern SINGLE_ID = Pattern.compile("(?m)^Event id:\\s*(\\S+)\\s*$");

    private final long t = NOW.toEpochMilli();
    private final int port = freePort();
    private final List<String> refused = new ArrayList<>();
    private final List<MimeMessage> accepted = new ArrayList<>();
    private volatile boolean refuseDigests;
    private GreenMail smtp;

    @Override
    protected Map<String, String> settings() {
        // Digests cut by size only (no time-out, no checkpoint during the poll); the breaker stays closed.
        return Map.of("pta.sink.email.port", Integer.toString(port),
                "pta.sink.email.digest.after", "2", "pta.sink.email.digest.max-events", "3",
                "pta.sink.email.digest.max-wait", "1h", "pta.delivery.checkpoint-interval", "1h",
                "pta.sink.breaker.minimum-calls", "1000");
    }

    @BeforeEach
    void startSmtp() {
        smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        smtp.start();
        UserManager users = smtp.getUserManager();
        MessageDeliveryHandler delivery = users.getMessageDeliveryHandler();
        // Runs before GreenMail answers the mail's DATA: an exception makes it answer 451.
        users.setMessageDeliveryHandler((message, recipient) -> {
            MimeMessage mail = message.getMessage();
            synchronized (accepted) {
                if (refuseDigests && mail.getSubject().startsWith("[PTA digest]")) {
                    refused.add(mail.getMessageID());
                    throw new IllegalStateException("the mail store is full");
                }
                accepted.add(mail);
            }
            return delivery.handle(message, recipient);
        });
    }

    @AfterEach
    void stopSmtp() {
        smtp.stop();
    }

    @Test
    void digestsTheServerFailedAreSentAgainNextPollWithTheSameMessageIdsAndEveryEventArrivesOnce() throws Exception {
        stubLogon(TOKEN);
        webhookWorks();
        List<com.fasterxml.jackson.databind.node.ObjectNode> events = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int n = 1; n <= 8; n++) {
            events.add(high(n, t + n));
            keys.add(key(n, t + n));
        }
        stubSecurityEvents(Events.array(events));

        refuseDigests = true;
        poll(STREAM);

        assertThat(ids(accepted())).as("the two single mails").containsExactlyInAnyOrder(Events.id(1), Events.id(2));
        assertThat(List.copyOf(refused).stream().distinct().toList()).as("two digests, each tried again at once").hasSize(2);
        assertThat(refused.size()).as("each digest tried 1 + pta.sink.max-redeliveries times").isEqualTo(2 * 3);
        assertThat(fileKeys()).as("the file sink, not held up by email").containsExactlyInAnyOrderElementsOf(keys);
        assertThat(watermarks().get(STREAM)).as("below the oldest event email owes").hasValue(t + 2);

        refuseDigests = false;
        poll(STREAM);

        List<MimeMessage> digests = accepted().stream().filter(m -> subject(m).startsWith("[PTA digest]")).toList();
        assertThat(digests).extracting(EmailDigestOutageTest::messageId).as("the same digests, by Message-ID")
                .containsExactlyInAnyOrderElementsOf(refused.stream().distinct().toList());
        assertThat(ids(accepted())).as("every event once").containsExactlyInAnyOrderElementsOf(
                events.stream().map(e -> e.path("id").asText()).toList());
        assertThat(accepted()).extracting(EmailDigestOutageTest::messageId).as("no mail twice").doesNotHaveDuplicates()
                .contains(EmailComposer.messageId(keys.get(0)), EmailComposer.messageId(keys.get(1)));
        assertThat(watermarks().get(STREAM)).hasValue(t + 8);
    }

    private List<MimeMessage> accepted() {
        synchronized (accepted) {
            return List.copyOf(accepted);
        }
    }

    /** The event ids the mails list: one per single mail, one per line of a digest. */
    private static List<String> ids(List<MimeMessage> mails) throws Exception {
        List<String> ids = new ArrayList<>();
        for (MimeMessage mail : mails) {
            Matcher m = (subject(mail).startsWith("[PTA digest]") ? DIGEST_ID : SINGLE_ID).matcher(MailReceiver.plainText(mail));
            while (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    private static String subject(MimeMessage mail) {
        try {
            return mail.getSubject();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String messageId(MimeMessage mail) {
        try {
            return mail.getMessageID();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port for the SMTP server", e);
        }
    }
}
