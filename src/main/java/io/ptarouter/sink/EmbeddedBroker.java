package io.ptarouter.sink;

import java.nio.file.Path;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
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
 */
public final class EmbeddedBroker extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final Path dataDirectory;
    private final int tcpPort;
    private EmbeddedActiveMQ broker;

    public EmbeddedBroker(Path dataDirectory, int tcpPort) {
        this.dataDirectory = dataDirectory;
        this.tcpPort = tcpPort;
    }

    @Override
    protected void doStart() throws Exception {
        Configuration config = new ConfigurationImpl()
                .setName("pta-router")
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalDirectory(dataDirectory.resolve("journal").toString())
                .setBindingsDirectory(dataDirectory.resolve("bindings").toString())
                .setLargeMessagesDirectory(dataDirectory.resolve("large-messages").toString())
                .setPagingDirectory(dataDirectory.resolve("paging").toString())
                .addAcceptorConfiguration("in-vm", "vm://0")
                // Messages a consumer keeps failing on, or that expire, are parked rather than lost; a queue
                // nobody reads pages to disk past 16 MiB instead of filling the application's heap.
                .addAddressSetting("#", new AddressSettings()
                        .setDeadLetterAddress(SimpleString.of("DLQ"))
                        .setExpiryAddress(SimpleString.of("ExpiryQueue"))
                        .setMaxSizeBytes(16L * 1024 * 1024)
                        .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE));
        if (tcpPort > 0) {
            config.addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + tcpPort);
        }
        broker = new EmbeddedActiveMQ().setConfiguration(config);
        broker.start();
        LOG.info("embedded Artemis broker started (data in {}{})", dataDirectory,
                tcpPort > 0 ? ", clients at tcp://127.0.0.1:" + tcpPort : "");
    }

    @Override
    protected void doStop() throws Exception {
        if (broker != null) {
            broker.stop();
            broker = null;
        }
    }
}
