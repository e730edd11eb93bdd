package io.ptarouter.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoSmtpServerTest {

    @TempDir
    Path mailDirectory;

    private DemoSmtpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void mailSentWithJakartaMailArrivesAsAnEmlFile() throws Exception {
        server = DemoSmtpServer.start("127.0.0.1", 0, mailDirectory);

        send(session(false), "PTA HIGH: SuspectedCredentialsTheft on admin@srv-db-07", "soc@example.com");

        await().atMost(Duration.ofSeconds(10)).until(() -> emlFiles().size() == 1);
        Path file = emlFiles().get(0);
        assertThat(file.getFileName().toString()).matches("\\d{8}-\\d{6}-1\\.eml");
        assertThat(Files.readString(file))
                .contains("Subject: PTA HIGH: SuspectedCredentialsTheft on admin@srv-db-07")
                .contains("event body");
        assertThat(server.receivedCount()).isEqualTo(1);
    }

    @Test
    void mailToSeveralRecipientsIsWrittenOnce() throws Exception {
        server = DemoSmtpServer.start("127.0.0.1", 0, mailDirectory);

        send(session(false), "two recipients", "soc@example.com", "oncall@example.com");
        send(session(false), "second mail", "soc@example.com");

        await().atMost(Duration.ofSeconds(10)).until(() -> server.receivedCount() == 2);
        assertThat(emlFiles()).hasSize(2);
    }

    @Test
    void senderThatAuthenticatesIsAccepted() throws Exception {
        server = DemoSmtpServer.start("127.0.0.1", 0, mailDirectory);

        send(session(true), "with auth", "soc@example.com");

        await().atMost(Duration.ofSeconds(10)).until(() -> emlFiles().size() == 1);
    }

    private Session session(boolean authenticate) {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(server.port()));
        properties.put("mail.smtp.auth", Boolean.toString(authenticate));
        return Session.getInstance(properties);
    }

    private static void send(Session session, String subject, String... recipients) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress("pta-router@example.com"));
        for (String recipient : recipients) {
            message.addRecipient(Message.RecipientType.TO, new InternetAddress(recipient));
        }
        message.setSubject(subject);
        message.setText("event body");
        if ("true".equals(session.getProperty("mail.smtp.auth"))) {
            Transport.send(message, "pta-router", "any-password");
        } else {
            Transport.send(message);
        }
    }

    private List<Path> emlFiles() throws IOException {
        try (Stream<Path> files = Files.list(mailDirectory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".eml")).sorted().toList();
        }
    }
}
