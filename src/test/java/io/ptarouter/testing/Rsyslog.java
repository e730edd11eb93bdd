package io.ptarouter.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * A real rsyslogd for the syslog sink's tests, with a config of its own in a temp folder (never the
 * system's): plain TCP (imptcp), TLS (imtcp with gtls and a certificate made here), RELP (imrelp) and UDP (imudp)
 * on loopback ports, every message's raw text written to one file, one line per message.
 */
public final class Rsyslog implements AutoCloseable {

    private final Path dir;
    private final Path config;
    private final Path pidFile;
    private final Path received;
    private final Path caFile;
    private final int tcpPort;
    private final int tlsPort;
    private final int relpPort;
    private final int udpPort;
    private Process process;

    private Rsyslog(Path dir) throws Exception {
        this.dir = dir;
        this.config = dir.resolve("rsyslog.conf");
        this.pidFile = dir.resolve("rsyslogd.pid");
        this.received = dir.resolve("received.log");
        this.caFile = dir.resolve("cert.pem");
        this.tcpPort = freePort();
        this.tlsPort = freePort();
        this.relpPort = freePort();
        this.udpPort = freePort();
        Path key = dir.resolve("key.pem");
        certificate(dir, caFile, key);
        Files.createDirectories(dir.resolve("work"));
        Files.writeString(config, String.join("\n",
                "global(workDirectory=\"" + dir.resolve("work") + "\" maxMessageSize=\"64k\" net.enableDNS=\"off\"",
                "       defaultNetstreamDriverCAFile=\"" + caFile + "\"",
                "       defaultNetstreamDriverCertFile=\"" + caFile + "\"",
                "       defaultNetstreamDriverKeyFile=\"" + key + "\")",
                "module(load=\"imptcp\")",
                "module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")",
                "module(load=\"imrelp\")",
                "module(load=\"imudp\")",
                "template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")",
                "ruleset(name=\"capture\") {",
                "  action(type=\"omfile\" file=\"" + received + "\" template=\"raw\" asyncWriting=\"off\" flushOnTXEnd=\"on\")",
                "}",
                "input(type=\"imptcp\" address=\"127.0.0.1\" port=\"" + tcpPort + "\" ruleset=\"capture\")",
                "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + tlsPort + "\" ruleset=\"capture\")",
                "input(type=\"imrelp\" address=\"127.0.0.1\" port=\"" + relpPort + "\" ruleset=\"capture\")",
                "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" + udpPort + "\" ruleset=\"capture\")",
                ""));
    }

    public static Rsyslog start(Path dir) throws Exception {
        Rsyslog rsyslog = new Rsyslog(dir);
        rsyslog.startAgain();
        return rsyslog;
    }

    /** Starts rsyslogd (again, after {@link #stop}) on the same ports and file, and waits until each port answers. */
    public void startAgain() throws IOException {
        Files.deleteIfExists(pidFile);
        process = new ProcessBuilder("rsyslogd", "-n", "-f", config.toString(), "-i", pidFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("rsyslogd.out").toFile()).start();
        Awaitility.await("rsyslogd listening").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("rsyslogd exited: " + Files.readString(dir.resolve("rsyslogd.out")));
                    }
                    return listening(tcpPort) && listening(tlsPort) && listening(relpPort);
                });
    }

    /** Stops rsyslogd as a service stop does (SIGTERM: it writes out what it has) and waits for its exit. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    public int tcpPort() {
        return tcpPort;
    }

    public int tlsPort() {
        return tlsPort;
    }

    public int relpPort() {
        return relpPort;
    }

    /** A free TCP port at start-up, used for UDP: a TCP and a UDP port are separate. */
    public int udpPort() {
        return udpPort;
    }

    /** The receiver's self-signed certificate, as the CA file a client trusts. */
    public Path caFile() {
        return caFile;
    }

    /** Every message received so far, its raw text as it came in, in order. */
    public List<String> received() throws IOException {
        return Files.exists(received) ? Files.readAllLines(received, StandardCharsets.UTF_8) : List.of();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A self-signed certificate for 127.0.0.1 and localhost, and its key in PEM as GnuTLS reads them. */
    private static void certificate(Path dir, Path certPem, Path keyPem) throws Exception {
        Path store = dir.resolve("receiver.p12");
        Keytool.run("-genkeypair", "-alias", "syslog", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit");
        Keytool.run("-exportcert", "-rfc", "-alias", "syslog", "-keystore", store.toString(), "-storepass", "changeit",
                "-file", certPem.toString());
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            keyStore.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) keyStore.getKey("syslog", "changeit".toCharArray());
        List<String> pem = new ArrayList<>();
        pem.add("-----BEGIN PRIVATE KEY-----");
        pem.add(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded()));
        pem.add("-----END PRIVATE KEY-----");
        Files.write(keyPem, pem);
    }
}
