package io.ptarouter.config;

import java.nio.file.Path;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.demo.DemoSmtpServer;
import io.ptarouter.demo.DemoSyslogReceiver;
import io.ptarouter.demo.DemoWebhookReceiver;
import io.ptarouter.sink.FilePermissions;
import io.ptarouter.simulator.PtaSimulator;

/**
 * With {@code pta.demo.enabled=true}, starts the peers the demo needs in-process before any route
 * runs: the PTA simulator the routes poll, an SMTP server that saves mail as files, a webhook
 * receiver and a syslog receiver. They stop with the CamelContext.
 */
final class DemoEnvironment {

    private static final Logger LOG = LoggerFactory.getLogger(DemoEnvironment.class);

    void startIfEnabled(CamelContext context, Settings settings, FilePermissions files) throws Exception {
        if (!settings.bool("pta.demo.enabled", false)) {
            return;
        }
        Path directory = Path.of(settings.string("pta.demo.directory", "data/demo"));
        // The demo's mail (written 0600 as temporary files first), webhook calls and JMS messages are in here.
        files.prepareDirectory(directory);
        PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withPort(settings.integer("pta.demo.simulator-port", 18080, 1, 65535))
                .withCredentials(settings.required("pta.auth.username"), settings.secret("pta.auth.password")));
        DemoSmtpServer smtp = DemoSmtpServer.start("127.0.0.1",
                settings.integer("pta.demo.smtp-port", 3025, 1, 65535), directory.resolve("mail"));
        DemoWebhookReceiver webhook = DemoWebhookReceiver.start("127.0.0.1",
                settings.integer("pta.demo.webhook-port", 18081, 1, 65535), directory.resolve("webhook-received.ndjson"));
        DemoSyslogReceiver syslog = DemoSyslogReceiver.start("127.0.0.1",
                settings.integer("pta.demo.syslog-port", 18082, 1, 65535), directory.resolve("syslog/received.log"));
        PtaRouterConfiguration.closeOnStop(context, simulator, smtp, webhook, syslog);
        LOG.info("demo: PTA simulator at {}, SMTP server on port {} saving mail to {}, webhook receiver writing to {}, "
                 + "syslog receiver writing to {}", simulator.baseUrl(), settings.string("pta.demo.smtp-port", "3025"),
                directory.resolve("mail"), directory.resolve("webhook-received.ndjson"), syslog.file());
    }
}
