package io.ptarouter.sink;

import java.util.ArrayDeque;
import java.util.Date;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;

import org.apache.camel.component.mail.DefaultJavaMailSender;

/**
 * camel-mail's sender, but over SMTP connections that stay open from one mail to the next: camel-mail
 * opens a connection (TCP, TLS, EHLO, AUTH) for every mail and has no option to keep it. Each
 * connection serves one sender at a time; one idle for more than a second is checked with a NOOP
 * before it is used again, one that failed is closed and never reused, and one that has carried
 * {@code mailsPerConnection} mails is closed, as some servers allow only so many per connection.
 * A mail counts as sent only when the server accepted it, as before.
 */
public final class MailTransportPool extends DefaultJavaMailSender implements AutoCloseable {

    private static final long CHECK_AFTER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int maxIdle;
    private final int mailsPerConnection;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private boolean closed;

    /** {@code maxIdle}: connections kept open between mails, at most (one per concurrent sender). */
    public MailTransportPool(int maxIdle, int mailsPerConnection) {
        this.maxIdle = maxIdle;
        this.mailsPerConnection = mailsPerConnection;
    }

    @Override
    public void send(MimeMessage message) throws MessagingException {
        Connection connection = borrow();
        try {
            if (message.getSentDate() == null) {
                message.setSentDate(new Date());
            }
            // saveChanges() gives the mail a new Message-ID: the deterministic one is put back.
            String messageId = message.getMessageID();
            message.saveChanges();
            if (messageId != null) {
                message.setHeader("Message-ID", messageId);
            }
            connection.transport.sendMessage(message, message.getAllRecipients());
            connection.sent++;
        } catch (MessagingException | RuntimeException e) {
            // The connection may be half-way through a command: it is not used again.
            quietlyClose(connection.transport);
            throw e;
        }
        giveBack(connection);
    }

    private Connection borrow() throws MessagingException {
        for (Connection candidate = takeIdle(); candidate != null; candidate = takeIdle()) {
            if (System.nanoTime() - candidate.idleSince < CHECK_AFTER_IDLE_NANOS || candidate.transport.isConnected()) {
                return candidate;
            }
            quietlyClose(candidate.transport); // the server closed it meanwhile
        }
        Transport transport = getTransport(getSession());
        PasswordAuthentication credentials = getPasswordAuthentication();
        transport.connect(getHost(), getPort(), credentials.getUserName(), credentials.getPassword());
        return new Connection(transport);
    }

    private synchronized Connection takeIdle() {
        // The most recently used first: connections beyond what the load needs go idle and get checked or dropped.
        return idle.pollFirst();
    }

    private void giveBack(Connection connection) {
        synchronized (this) {
            if (!closed && idle.size() < maxIdle && connection.sent < mailsPerConnection) {
                connection.idleSince = System.nanoTime();
                idle.addFirst(connection);
                return;
            }
        }
        quietlyClose(connection.transport);
    }

    /** Says goodbye (QUIT) on every idle connection; connections still in use close when their mail is sent. */
    @Override
    public void close() {
        Connection[] open;
        synchronized (this) {
            closed = true;
            open = idle.toArray(new Connection[0]);
            idle.clear();
        }
        for (Connection connection : open) {
            quietlyClose(connection.transport);
        }
    }

    private static void quietlyClose(Transport transport) {
        try {
            transport.close();
        } catch (MessagingException | RuntimeException e) {
            // nothing more to do with a connection that is going away
        }
    }

    private static final class Connection {
        final Transport transport;
        int sent;
        long idleSince;

        Connection(Transport transport) {
            this.transport = transport;
        }
    }
}
