package io.ptarouter.sink;

import java.nio.file.Path;

import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.io.aio.AIOSequentialFileFactory;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ActiveMQ Artemis broker inside the app, so JMS delivery works with no external service. It
 * persists messages in its journal and accepts in-VM clients ({@code vm://0}) and, when a port is
 * set, TCP clients on loopback so a user can read the queue with any Artemis client.
 *
 * <p>The sink's queue is declared, not auto-created: Artemis keeps the duplicate-detection ids per address and
 * drops them with the address, and it deletes an auto-created address once its queue is drained and has no
 * consumer (at the next address scan, or at the latest on restart). A re-send after a restart with lost state
 * would then get through.
 *
 * <p>The journal is ASYNCIO (libaio) when the JVM can load Artemis' JNI library, else NIO, and the start-up line
 * says which: Java finds {@code libartemis-native-64.so} only in a folder of {@code -Djava.library.path}, fixed when
 * the JVM starts, never inside the jar that ships it. On this project's 2-core machine ASYNCIO measured within noise of NIO.
 */
public final class EmbeddedBroker extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    /**
     * What the broker keeps of its messages in the heap. An address pages what its consumers have not taken past
     * MAX_SIZE, and keeps the page it writes, up to PAGE_SIZE, in the heap too. Larger values held up to 90 MB of
     * messages in a 256 MB app when nothing reads the queue, and G1 then used a whole core (BENCHMARKS.md).
     */
    static final long MAX_SIZE = 2L * 1024 * 1024;
    static final int PAGE_SIZE = 1024 * 1024;
    static final long GLOBAL_MAX_SIZE = 8L * 1024 * 1024;

    private final Path dataDirectory;
    private final int tcpPort;
    private final String queue;
    private EmbeddedActiveMQ broker;

    public EmbeddedBroker(Path dataDirectory, int tcpPort, String queue) {
        this.dataDirectory = dataDirectory;
        this.tcpPort = tcpPort;
        this.queue = queue;
    }

    @Override
    protected void doStart() throws Exception {
        boolean libaio = AIOSequentialFileFactory.isSupported();
        Configuration config = new ConfigurationImpl()
                .setName("pta-router")
                // Chosen here rather than left to Artemis, which logs the fallback to NIO as a warning (AMQ221045).
                .setJournalType(libaio ? JournalType.ASYNCIO : JournalType.NIO)
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalDirectory(dataDirectory.resolve("journal").toString())
                .setBindingsDirectory(dataDirectory.resolve("bindings").toString())
                .setLargeMessagesDirectory(dataDirectory.resolve("large-messages").toString())
                .setPagingDirectory(dataDirectory.resolve("paging").toString())
                // All addresses together keep at most this much of their messages in the heap, and page the rest,
                // whatever -Xmx is (Artemis' default is half of it, too much in a 256 MB application).
                .setGlobalMaxSize(GLOBAL_MAX_SIZE)
                .addAcceptorConfiguration("in-vm", "vm://0")
                .addQueueConfiguration(QueueConfiguration.of(queue).setRoutingType(RoutingType.ANYCAST).setDurable(true))
                // Messages a consumer keeps failing on, or that expire, are parked rather than lost; a queue
                // nobody reads pages to disk past MAX_SIZE instead of filling the application's heap.
                .addAddressSetting("#", new AddressSettings()
                        .setDeadLetterAddress(SimpleString.of("DLQ"))
                        .setExpiryAddress(SimpleString.of("ExpiryQueue"))
                        .setMaxSizeBytes(MAX_SIZE)
                        .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE)
                        // Artemis keeps the page it is writing in the heap as well, for consumers to read from
                        // (the default 10 MiB page held about 4,000 of the sink's messages, some 40 MB).
                        .setPageSizeBytes(PAGE_SIZE)
                        // An address deleted when drained would take its duplicate-detection ids with it.
                        .setAutoDeleteQueues(false)
                        .setAutoDeleteAddresses(false));
        if (tcpPort > 0) {
            config.addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + tcpPort);
        }
        broker = new EmbeddedActiveMQ().setConfiguration(config);
        broker.start();
        String journal = journalType() == JournalType.ASYNCIO ? "ASYNCIO (libaio)"
                : libaio ? "NIO (the data folder does not support direct I/O)"
                : "NIO (for ASYNCIO, install libaio and start Java with -Djava.library.path=<a folder holding"
                  + " libartemis-native-64.so>, see docs/operations.md)";
        LOG.info("embedded Artemis broker started (data in {}{}), journal {}", dataDirectory,
                tcpPort > 0 ? ", clients at tcp://127.0.0.1:" + tcpPort : "", journal);
    }

    /** The journal the running broker writes: ASYNCIO or NIO. */
    public JournalType journalType() {
        return broker.getActiveMQServer().getConfiguration().getJournalType();
    }

    @Override
    protected void doStop() throws Exception {
        if (broker != null) {
            broker.stop();
            broker = null;
        }
    }
}
