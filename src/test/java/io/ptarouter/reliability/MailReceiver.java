package io.ptarouter.reliability;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.user.MessageDeliveryHandler;
import com.icegreen.greenmail.user.UserManager;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GreenMail SMTP server on loopback that tallies every mail as it is accepted, by the version its plain-text body
 * names (the default template's {@code Stream:}, {@code Event id:} and {@code Event time:} lines; the version of an
 * event is its event time) and by its {@code Message-ID}, as a mail store that de-duplicates by Message-ID would.
 */
final class MailReceiver implements AutoCloseable {

    private static final Pattern STREAM = Pattern.compile("(?m)^Stream:\\s*(\\S+)\\s*$");
    private static final Pattern ID = Pattern.compile("(?m)^Event id:\\s*(\\S+)\\s*$");
    private static final Pattern TIME = Pattern.compile("(?m)^Event time:\\s*(\\S+)\\s*$");

    private final int port;
    private final DeliveryTally mails = new DeliveryTally();
    private final List<String> messageIds = new ArrayList<>();
    private GreenMail greenMail;

    MailReceiver(int port) {
        this.port = port;
        start();
    }

    /** Starts the server, again after a {@link #stop()}, on the same port; what was tallied is kept. */
    synchronized void start() {
        greenMail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        greenMail.start();
        // The hook runs once per recipient before GreenMail answers the DATA command; the app mails one recipient.
        UserManager users = greenMail.getUserManager();
        MessageDeliveryHandler delivery = users.getMessageDeliveryHandler();
        users.setMessageDeliveryHandler((message, recipient) -> {
            tally(message.getMessage());
            return delivery.handle(message, recipient);
        });
    }

    /** Stops the server: connections are refused until {@link #start()}. */
    synchronized void stop() {
        greenMail.stop();
    }

    int port() {
        return port;
    }

    DeliveryTally mails() {
        return mails;
    }

    /** The Message-ID of every mail accepted, in the order they came, copies included. */
    List<String> messageIds() {
        synchronized (messageIds) {
            return List.copyOf(messageIds);
        }
    }

    private void tally(MimeMessage mail) {
        try {
            String messageId = mail.getMessageID();
            synchronized (messageIds) {
                messageIds.add(messageId);
            }
            deliveryKey(plainText(mail)).ifPresentOrElse(key -> mails.record(key, messageId), mails::recordUnreadable);
        } catch (MessagingException | IOException | RuntimeException e) {
            mails.recordUnreadable();
        }
    }

    private static Optional<String> deliveryKey(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher stream = STREAM.matcher(text);
        Matcher id = ID.matcher(text);
        Matcher time = TIME.matcher(text);
        if (!stream.find() || !id.find() || !time.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Envelopes.key(stream.group(1), id.group(1), Instant.parse(time.group(1)).toEpochMilli()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The first text/plain part of a mail, or null. */
    static String plainText(Part part) throws MessagingException, IOException {
        if (part.isMimeType("text/plain")) {
            return part.getContent().toString();
        }
        if (part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                String text = plainText(child);
                if (text != null) {
                    return text;
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        stop();
    }
}
