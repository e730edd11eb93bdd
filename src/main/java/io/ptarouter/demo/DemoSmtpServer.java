package io.ptarouter.demo;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.mail.MovingMessage;
import com.icegreen.greenmail.user.MessageDeliveryHandler;
import com.icegreen.greenmail.user.UserManager;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process SMTP server for the demo, so mail alerts can be seen on a machine without a mail server: every
 * message it accepts is written to the mail directory as a {@code .eml} file that any mail client opens.
 */
public final class DemoSmtpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoSmtpServer.class);
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final GreenMail greenMail;
    private final Path mailDirectory;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger sequence = new AtomicInteger();
    private final AtomicInteger received = new AtomicInteger();
    // GreenMail hands one message over once per recipient; it is written once. Weak so delivered mail can go.
    private final Set<MovingMessage> written = Collections.newSetFromMap(new WeakHashMap<>());

    private DemoSmtpServer(GreenMail greenMail, Path mailDirectory) {
        this.greenMail = greenMail;
        this.mailDirectory = mailDirectory;
    }

    /** Starts an SMTP server on host and port (0 picks a free port) that accepts mail with or without AUTH. */
    public static DemoSmtpServer start(String host, int port, Path mailDirectory) {
        try {
            Files.createDirectories(mailDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the demo mail directory " + mailDirectory, e);
        }
        GreenMail greenMail = new GreenMail(new ServerSetup(port, host, ServerSetup.PROTOCOL_SMTP));
        greenMail.withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        greenMail.start();
        DemoSmtpServer server = new DemoSmtpServer(greenMail, mailDirectory);
        // GreenMail's delivery hook runs before it answers the DATA command, so the file exists once the sender is done.
        UserManager users = greenMail.getUserManager();
        MessageDeliveryHandler delivery = users.getMessageDeliveryHandler();
        users.setMessageDeliveryHandler((message, recipient) -> {
            server.writeOnce(message);
            return delivery.handle(message, recipient);
        });
        LOG.info("demo SMTP server listening on {}:{}, writing mail to {}", host, server.port(), mailDirectory);
        return server;
    }

    public int port() {
        return greenMail.getSmtp().getPort();
    }

    public Path mailDirectory() {
        return mailDirectory;
    }

    public int receivedCount() {
        return received.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            greenMail.stop();
            LOG.info("demo SMTP server stopped after {} mails", received.get());
        }
    }

    private void writeOnce(MovingMessage message) {
        synchronized (written) {
            if (!written.add(message)) {
                return;
            }
        }
        int number = sequence.incrementAndGet();
        MimeMessage mime = message.getMessage();
        Path file = mailDirectory.resolve(LocalDateTime.now().format(FILE_TIME) + "-" + number + ".eml");
        try {
            Path partial = Files.createTempFile(mailDirectory, ".incoming-", ".tmp");
            try (OutputStream out = Files.newOutputStream(partial)) {
                mime.writeTo(out);
            }
            // Whoever watches the directory sees whole files only.
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.info("demo SMTP received mail '{}' -> {}", subjectOf(mime), file);
        } catch (IOException | MessagingException e) {
            LOG.warn("demo SMTP could not write mail '{}' to {}: {}", subjectOf(mime), file, e.toString());
        } finally {
            received.incrementAndGet();
        }
    }

    private static String subjectOf(MimeMessage mime) {
        try {
            return mime.getSubject();
        } catch (MessagingException e) {
            return "(unreadable subject)";
        }
    }
}
