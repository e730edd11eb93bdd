package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.icegreen.greenmail.util.DummySSLServerSocketFactory;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.Keytool;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * How the email sink gets its mail through to an SMTP server that asks for a password, or that
 * speaks TLS (SMTPS) with a certificate signed by a private CA: real GreenMail servers on loopback,
 * a certificate made by the JDK's keytool for this run. A mail that cannot be delivered is reported
 * in the log, never with the password. GreenMail 2.1.8 does not offer STARTTLS, so STARTTLS is only
 * checked for being required, not opportunistic.
 */
class EmailTransportSecurityTest {

    private static final String STORE_PASSWORD = "smtp-store-pass-3";
    private static final String TRUSTSTORE_PASSWORD = "smtp-trust-pass-4";
    private static final String MAIL_USER = "pta-mailer";
    private static final String MAIL_PASSWORD = "Mail-Passw0rd-5150";
    private static final String EVENT_ID = Events.id(1);
    private static final String NOT_DELIVERED = "email-send did not deliver security-events/" + EVENT_ID;

    @TempDir
    static Path certs;

    /** SMTPS with a certificate for 127.0.0.1 (not for "localhost"), signed by no CA the JVM knows. */
    private static GreenMail smtps;

    @BeforeAll
    static void certificateAndSmtpsServer() throws Exception {
        Keytool.run("-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1",
                "-keystore", file("smtp.p12"), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        Keytool.run("-exportcert", "-rfc", "-alias", "smtp", "-keystore", file("smtp.p12"), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD, "-file", file("smtp.pem"));
        Keytool.run("-importcert", "-noprompt", "-alias", "smtp-ca", "-file", file("smtp.pem"),
                "-keystore", file("truststore.p12"), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD);

        // GreenMail's TLS servers take their key from these system properties, read once per JVM.
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_FILE_PROPERTY, file("smtp.p12"));
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_PASSWORD_PROPERTY, STORE_PASSWORD);
        smtps = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS));
        smtps.start();
        assertThat(((DummySSLServerSocketFactory) DummySSLServerSocketFactory.getDefault()).getKeyStore().containsAlias("smtp"))
                .as("GreenMail serves this run's certificate (an earlier TLS server in this JVM would have fixed another)")
                .isTrue();
    }

    @AfterAll
    static void stopSmtps() {
        if (smtps != null) {
            smtps.stop();
        }
        System.clearProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_FILE_PROPERTY);
        System.clearProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_PASSWORD_PROPERTY);
    }

    @Nested
    class SmtpAuthentication extends EmailDelivery {

        @Override
        Map<String, String> email() {
            return Map.of("pta.sink.email.username", MAIL_USER, "pta.sink.email.password", MAIL_PASSWORD);
        }

        // GreenMail would take the mail without AUTH too; the next test shows that AUTH is sent.
        @Test
        void withTheUsersPasswordTheMailArrives() throws Exception {
            SMTP.setUser("pta-mailer@example.test", MAIL_USER, MAIL_PASSWORD);

            pollOneHighEvent();

            assertThat(mails()).hasSize(1);
            assertThat(log.text()).doesNotContain(NOT_DELIVERED);
        }

        @Test
        void aRejectedPasswordIsReportedAsAFailedDeliveryWithoutThePassword() throws Exception {
            SMTP.setUser("pta-mailer@example.test", MAIL_USER, "the-servers-idea-of-the-password");

            pollOneHighEvent();

            assertThat(mails()).isEmpty();
            assertThat(log.text()).contains(NOT_DELIVERED).contains("AuthenticationFailedException")
                    .contains("1 failed deliveries")
                    // as typed, and as AUTH LOGIN and AUTH PLAIN put it on the wire
                    .doesNotContain(MAIL_PASSWORD, base64(MAIL_PASSWORD), base64("\0" + MAIL_USER + "\0" + MAIL_PASSWORD));
        }
    }

    @Nested
    class SmtpsWithTheServersCaFile extends SmtpsDelivery {

        @Override
        Map<String, String> trust() {
            return Map.of("pta.sink.email.ca-file", file("smtp.pem"));
        }

        @Test
        void theMailArrives() throws Exception {
            pollOneHighEvent();

            assertThat(smtps.getReceivedMessages()).hasSize(1);
            assertThat(log.text()).doesNotContain(NOT_DELIVERED);
        }
    }

    @Nested
    class SmtpsWithATruststoreHoldingTheServersCa extends SmtpsDelivery {

        @Override
        Map<String, String> trust() {
            return Map.of("pta.sink.email.truststore", file("truststore.p12"),
                    "pta.sink.email.truststore-password", TRUSTSTORE_PASSWORD);
        }

        @Test
        void theMailArrives() throws Exception {
            pollOneHighEvent();

            assertThat(smtps.getReceivedMessages()).hasSize(1);
            assertThat(log.text()).doesNotContain(TRUSTSTORE_PASSWORD);
        }
    }

    @Nested
    class SmtpsWithTheJvmsCas extends SmtpsDelivery {

        @Override
        Map<String, String> trust() {
            return Map.of();
        }

        @Test
        void thePrivatelySignedServerIsNotTrustedAndTheFailureIsReported() throws Exception {
            pollOneHighEvent();

            assertThat(smtps.getReceivedMessages()).isEmpty();
            assertThat(log.text()).contains(NOT_DELIVERED).contains("unable to find valid certification path");
        }
    }

    @Nested
    class SmtpsReachedByANameItsCertificateDoesNotHave extends SmtpsDelivery {

        @Override
        String host() {
            return "localhost";
        }

        @Override
        Map<String, String> trust() {
            return Map.of("pta.sink.email.ca-file", file("smtp.pem"));
        }

        @Test
        void theHostNameCheckRefusesTheTrustedCertificate() throws Exception {
            pollOneHighEvent();

            assertThat(smtps.getReceivedMessages()).isEmpty();
            assertThat(log.text()).contains(NOT_DELIVERED).contains("No name matching localhost");
        }
    }

    @Nested
    class SmtpsWithVerificationOff extends SmtpsDelivery {

        @Override
        String host() {
            return "localhost";
        }

        @Override
        Map<String, String> trust() {
            return Map.of("pta.sink.email.tls-verify", "false");
        }

        @Test
        void anyCertificateForAnyNameIsAcceptedAndThatIsLoggedLoudly() throws Exception {
            pollOneHighEvent();

            assertThat(smtps.getReceivedMessages()).hasSize(1);
            assertThat(log.text()).contains("WARN io.ptarouter.transport.TlsTrust TLS certificate verification for "
                                            + "the SMTP server at localhost is OFF (pta.sink.email.tls-verify=false)");
        }
    }

    @Nested
    class StarttlsAgainstAServerThatDoesNotOfferIt extends EmailDelivery {

        @Override
        Map<String, String> email() {
            return Map.of("pta.sink.email.security", "starttls",
                    "pta.sink.email.username", MAIL_USER, "pta.sink.email.password", MAIL_PASSWORD);
        }

        @Test
        void noMailIsSentInTheClear() throws Exception {
            SMTP.setUser("pta-mailer@example.test", MAIL_USER, MAIL_PASSWORD);

            pollOneHighEvent();

            assertThat(mails()).isEmpty();
            assertThat(log.text()).contains(NOT_DELIVERED).contains("STARTTLS");
        }
    }

    // ---- harness ------------------------------------------------------------------------------

    /**
     * The real routes with the email sink pointed at the harness's SMTP server and {@link #email()}
     * on top; JMS and the webhook are off, the file sink stays on.
     */
    abstract class EmailDelivery extends RouterTestSupport {

        /** Captures from before the CamelContext is built, so warnings given at configuration count. */
        @RegisterExtension
        final LogCapture log = new LogCapture();

        abstract Map<String, String> email();

        @Override
        protected Map<String, String> settings() {
            Map<String, String> settings = new HashMap<>(Map.of(
                    "pta.sink.jms.enabled", "false",
                    "pta.sink.webhook.enabled", "false"));
            settings.putAll(email());
            return settings;
        }

        @BeforeEach
        void pvwa() {
            stubLogon(TOKEN);
            stubSecurityEvents(Events.array(Events.security(EVENT_ID, "SuspectedCredentialsTheft", 91.0, NOW.toEpochMilli())));
        }

        /** One poll that reads one high event, which is mailed; returns once every sink is done with it. */
        void pollOneHighEvent() throws Exception {
            poll("security-events");
            assertThat(fileEnvelopes("security-events")).as("the event, in the file sink").hasSize(1);
        }
    }

    /** The email sink sends to the SMTPS server, by {@link #host()}, trusting its certificate as {@link #trust()} says. */
    abstract class SmtpsDelivery extends EmailDelivery {

        String host() {
            return "127.0.0.1";
        }

        abstract Map<String, String> trust();

        @Override
        Map<String, String> email() {
            Map<String, String> settings = new HashMap<>(trust());
            settings.put("pta.sink.email.security", "smtps");
            settings.put("pta.sink.email.host", host());
            settings.put("pta.sink.email.port", Integer.toString(smtps.getSmtps().getPort()));
            return settings;
        }

        @BeforeEach
        void emptyMailboxes() throws Exception {
            smtps.purgeEmailFromAllMailboxes();
            // GreenMail's connection thread throws when a client gives up in the handshake, which is what a
            // refused certificate looks like; the poll's await would otherwise take that for the test failing.
            Awaitility.doNotCatchUncaughtExceptionsByDefault();
        }

        @AfterEach
        void catchUncaughtExceptionsAgain() {
            Awaitility.catchUncaughtExceptionsByDefault();
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String file(String name) {
        return certs.resolve(name).toString();
    }

}
