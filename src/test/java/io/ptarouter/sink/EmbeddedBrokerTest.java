package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSProducer;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.nativo.jlibaio.LibaioContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.testing.LogCapture;

/**
 * The embedded broker keeps little of a queue nobody reads in the heap: past its limit the address
 * pages to disk. Paged messages are as durable as the others: they survive a restart, come back in
 * order and whole, and duplicate detection still drops a re-send of one of them. Its journal is ASYNCIO when the
 * JVM can load Artemis' libaio library, NIO otherwise, and the start-up line says which.
 */
class EmbeddedBrokerTest {

    private static final int MESSAGES = 3000;

    @TempDir
    Path data;

    private EmbeddedBroker broker;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void aQueueNobodyReadsPagesPastItsLimitAndGivesEveryMessageBackAfterARestart() throws Exception {
        String padding = "x".repeat(2000); // each message is several KB in the journal: 3000 are far past the limit
        broker = start();
        try (ActiveMQConnectionFactory connections = new ActiveMQConnectionFactory("vm://0");
             JMSContext jms = connections.createContext(JMSContext.SESSION_TRANSACTED)) {
            Queue queue = jms.createQueue("q");
            JMSProducer producer = jms.createProducer();
            for (int i = 0; i < MESSAGES; i++) {
                producer.send(queue, message(jms, i, padding));
                if ((i + 1) % 500 == 0) {
                    jms.commit();
                }
            }
        }
        assertThat(pageFiles()).as("page files once the address is past %d bytes", EmbeddedBroker.MAX_SIZE).isNotEmpty();

        broker.stop();
        broker = start();

        List<String> received = new ArrayList<>();
        try (ActiveMQConnectionFactory connections = new ActiveMQConnectionFactory("vm://0");
             JMSContext jms = connections.createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
            Queue queue = jms.createQueue("q");
            // A re-send of a message that is on a page now: duplicate detection still knows its id.
            jms.createProducer().send(queue, message(jms, 7, padding));
            try (JMSConsumer consumer = jms.createConsumer(queue)) {
                for (TextMessage next = (TextMessage) consumer.receive(5000); next != null;
                     next = (TextMessage) consumer.receive(1000)) {
                    received.add(next.getText());
                }
            }
        }
        assertThat(received).hasSize(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            assertThat(received.get(i)).isEqualTo(i + padding);
        }
    }

    @Test
    void withoutArtemisNativeLibraryOnTheLibraryPathTheJournalIsNioAndTheStartUpLineSaysHowToGetAsyncio() throws Exception {
        Assumptions.assumeFalse(LibaioContext.isLoaded(), "this JVM was started with libartemis-native-64.so on its library path");
        broker = start();

        assertThat(broker.journalType()).isEqualTo(JournalType.NIO);
        assertThat(log.text()).contains("journal NIO (for ASYNCIO, install libaio and start Java with -Djava.library.path=")
                .doesNotContain("AMQ221045");
    }

    @Test
    void withArtemisNativeLibraryOnTheLibraryPathTheJournalIsAsyncio() throws Exception {
        Assumptions.assumeTrue(Stream.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib")
                .anyMatch(folder -> Files.exists(Path.of(folder, "libaio.so.1"))), "libaio is not installed");
        Path natives = Files.createDirectories(data.resolve("native"));
        // The library as the application's jar ships it (from activemq-artemis-native), in a folder of its own.
        try (var library = LibaioContext.class.getResourceAsStream("/lib/linux-x86_64/libartemis-native-64.so")) {
            assertThat(library).as("libartemis-native-64.so on the classpath").isNotNull();
            Files.copy(library, natives.resolve("libartemis-native-64.so"));
        }
        Path output = data.resolve("journal-type.txt");
        Process probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.library.path=" + natives, "-cp", System.getProperty("java.class.path"),
                JournalProbe.class.getName(), data.resolve("broker").toString(), output.toString())
                .redirectErrorStream(true).redirectOutput(data.resolve("probe.log").toFile()).start();
        assertThat(probe.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the probe JVM ended").isTrue();

        assertThat(probe.exitValue()).as(Files.readString(data.resolve("probe.log"))).isZero();
        assertThat(Files.readString(output)).isEqualTo("ASYNCIO");
        assertThat(Files.readString(data.resolve("probe.log"))).contains("journal ASYNCIO (libaio)");
    }

    /** Starts the broker in a JVM of its own (the library path is fixed at a JVM's start) and writes its journal type. */
    public static final class JournalProbe {
        public static void main(String[] args) throws Exception {
            EmbeddedBroker broker = new EmbeddedBroker(Path.of(args[0]), 0, "q");
            broker.start();
            try {
                Files.writeString(Path.of(args[1]), broker.journalType().name());
            } finally {
                broker.stop();
            }
            System.exit(0); // Artemis' non-daemon threads must not keep the probe alive
        }
    }

    private EmbeddedBroker start() throws Exception {
        EmbeddedBroker started = new EmbeddedBroker(data, 0, "q");
        started.start();
        return started;
    }

    private static TextMessage message(JMSContext jms, int i, String padding) throws Exception {
        TextMessage message = jms.createTextMessage(i + padding);
        message.setStringProperty(JmsBatches.DUPLICATE_ID, "security-events/" + i + "/1");
        return message;
    }

    private List<Path> pageFiles() throws IOException {
        Path paging = data.resolve("paging");
        if (!Files.isDirectory(paging)) {
            return List.of(); // Artemis makes it when an address first pages
        }
        try (Stream<Path> files = Files.walk(paging)) {
            return files.filter(f -> f.toString().endsWith(".page")).toList();
        }
    }
}
