package io.ptarouter.reliability;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The four receivers the packaged app delivers to in the reliability ITs, hosted on loopback by the test JVM: a
 * persistent Artemis broker over TCP with duplicate detection, GreenMail, a webhook receiver and an NDJSON folder;
 * and what each sink's tally makes of what was expected.
 */
final class Receivers implements AutoCloseable {

    final JmsReceiver jms;
    final MailReceiver mail;
    final WebhookReceiver webhook;
    final NdjsonFolder files;

    Receivers(Path data) throws Exception {
        jms = new JmsReceiver(data.resolve("broker"), freePort());
        mail = new MailReceiver(freePort());
        webhook = new WebhookReceiver();
        files = new NdjsonFolder(data.resolve("events"));
    }

    /** Copies the receivers got so far (sends reaching the broker, mails, webhook POSTs). */
    int progress() {
        return jms.sends().copies() + mail.mails().copies() + webhook.posts().copies();
    }

    DeliveryTally received(Sink sink) {
        return switch (sink) {
            case FILE -> files.lines();
            case JMS -> jms.consumed();
            case EMAIL -> mail.mails();
            case WEBHOOK -> webhook.posts();
        };
    }

    Map<Sink, Set<String>> lost(ExpectedDeliveries expected) {
        Map<Sink, Set<String>> lost = new EnumMap<>(Sink.class);
        for (Sink sink : Sink.values()) {
            Set<String> missing = new HashSet<>(expected.owed(sink));
            missing.removeAll(received(sink).keys());
            lost.put(sink, missing);
        }
        return lost;
    }

    /** The sink's outcome; {@code restartResends}: copies received while the app restarted without a crash. */
    SinkResult result(Sink sink, ExpectedDeliveries expected, Set<String> lost, int restartResends) {
        DeliveryTally tally = received(sink);
        Set<String> held = tally.keys();
        Set<String> owed = expected.owed(sink);
        Set<String> notObservable = new HashSet<>(expected.served(sink));
        notObservable.removeAll(owed);
        int phantom = (int) held.stream().filter(key -> !expected.wasServed(key)).count();
        int misrouted = (int) held.stream().filter(key -> expected.wasServed(key) && !expected.routes(sink, key)).count();
        int duplicates = sink == Sink.WEBHOOK || sink == Sink.EMAIL ? tally.duplicates() : tally.resends();
        int resends = sink == Sink.JMS ? jms.sends().resends() : tally.resends();
        int mismatches = switch (sink) {
            case FILE -> 0;
            case JMS -> tally.keyMismatches(key -> key + "/jms");
            case EMAIL -> tally.keyMismatches(Envelopes::messageId);
            case WEBHOOK -> tally.keyMismatches(key -> key + "/webhook");
        };
        int unreadable = tally.unreadable() + (sink == Sink.FILE ? (files.unterminatedBytes() > 0 ? 1 : 0) : 0);
        return new SinkResult(sink, expected.produced(sink).size(), expected.served(sink).size(), owed.size(),
                held.size(), lost.size(), lost.stream().sorted().limit(5).toList(),
                duplicates, resends, mismatches, unreadable, phantom, misrouted, notObservable.size(), restartResends);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        try (AutoCloseable j = jms; AutoCloseable m = mail; AutoCloseable w = webhook) {
            // closed in reverse order, each even if another fails
        }
    }
}
