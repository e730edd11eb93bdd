package io.ptarouter.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoSyslogReceiverTest {

    @TempDir
    Path directory;

    private DemoSyslogReceiver receiver;
    private Path file;

    @BeforeEach
    void start() {
        file = directory.resolve("syslog").resolve("received.log");
        receiver = DemoSyslogReceiver.start("127.0.0.1", 0, file);
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    @Test
    void octetCountedRecordsBecomeOneLineEachEvenWhenSplitAcrossWrites() throws Exception {
        String first = "<134>1 2026-11-21T10:00:00Z host pta-router - - - CEF:0|CyberArk|PTA|13.0|1|Suspected credentials theft|8|cs2=abc";
        String second = "<134>1 - - - - - - line one\nline two";
        try (Socket socket = new Socket("127.0.0.1", receiver.port())) {
            OutputStream out = socket.getOutputStream();
            byte[] framed = (frame(first) + frame(second)).getBytes(StandardCharsets.UTF_8);
            out.write(framed, 0, 10);
            out.flush();
            out.write(framed, 10, framed.length - 10);
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.receivedCount() == 2);
        }
        assertThat(Files.readAllLines(file)).containsExactly(first, "<134>1 - - - - - - line one line two");
    }

    @Test
    void aConnectionThatBreaksTheFramingIsClosedAndOthersGoOn() throws Exception {
        try (Socket bad = new Socket("127.0.0.1", receiver.port())) {
            bad.getOutputStream().write("<134>not framed\n".getBytes(StandardCharsets.UTF_8));
            bad.getOutputStream().flush();
            assertThat(bad.getInputStream().read()).as("closed by the receiver").isEqualTo(-1);
        }
        try (Socket good = new Socket("127.0.0.1", receiver.port())) {
            good.getOutputStream().write(frame("CEF:0|x").getBytes(StandardCharsets.UTF_8));
            good.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.receivedCount() == 1);
        }
        assertThat(Files.readAllLines(file)).containsExactly("CEF:0|x");
    }

    @Test
    void anOctetCountBeyondTheLimitClosesTheConnectionKeepingNothing() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", receiver.port())) {
            socket.getOutputStream().write("99999999999 x".getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(receiver.receivedCount()).isZero();
        assertThat(file).doesNotExist();
    }

    private static String frame(String record) {
        return record.getBytes(StandardCharsets.UTF_8).length + " " + record;
    }
}
