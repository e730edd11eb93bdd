package io.ptarouter.bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ptarouter.simulator.PtaSimulator;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.io.OutputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peers of one benchmark size, in a JVM of their own so that their memory is not counted against the variant
 * measured: the PTA simulator serving N generated events, a webhook receiver answering 200 and an SMTP server.
 * {@code GET /counts} on the control port answers "webhook=<posts> repeated=<n> smtp=<mails>", {@code POST /reset}
 * forgets them. Usage: {@code Peer <events> <info-file>}; the info file gets the addresses once all is listening.
 */
public final class Peer {

    public static void main(String[] args) throws Exception {
        int events = Integer.parseInt(args[0]);
        Path info = Path.of(args[1]);
        PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withGeneratedSecurityEvents(events).withRiskEvents(0).withChangeInterval(Duration.ZERO)
                .withTokenTtl(Duration.ofHours(2)));
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        Webhook webhook = new Webhook();
        HttpServer hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        hooks.setExecutor(Executors.newFixedThreadPool(8));
        hooks.createContext("/", webhook::handle);
        hooks.start();
        HttpServer control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        control.createContext("/counts", exchange -> answer(exchange, "webhook=" + webhook.received.get()
                + " repeated=" + webhook.repeated.get() + " smtp=" + smtp.getReceivedMessages().length));
        control.createContext("/reset", exchange -> {
            webhook.reset();
            try {
                smtp.purgeEmailFromAllMailboxes();
            } catch (Exception e) {
                throw new IOException("cannot purge the mailboxes", e);
            }
            answer(exchange, "ok");
        });
        control.start();
        String text = "simulator=" + simulator.baseUrl() + "\n"
                + "webhook=http://127.0.0.1:" + hooks.getAddress().getPort() + "/hooks/pta\n"
                + "smtp=" + smtp.getSmtp().getPort() + "\n"
                + "control=http://127.0.0.1:" + control.getAddress().getPort() + "\n";
        Path partial = info.resolveSibling(info.getFileName() + ".tmp");
        Files.writeString(partial, text);
        Files.move(partial, info);
        new CountDownLatch(1).await(); // until the benchmark destroys this process
    }

    private static void answer(HttpExchange exchange, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** Counts POSTs, and those that repeat an event id already received (one poll delivers each id once). */
    private static final class Webhook {
        final AtomicLong received = new AtomicLong();
        final AtomicLong repeated = new AtomicLong();
        final Set<String> ids = ConcurrentHashMap.newKeySet();

        void handle(HttpExchange exchange) throws IOException {
            try (InputStream body = exchange.getRequestBody()) {
                body.transferTo(OutputStream.nullOutputStream());
            }
            String id = exchange.getRequestHeaders().getFirst("X-Pta-Event-Id");
            if (id != null && !ids.add(id)) {
                repeated.incrementAndGet();
            }
            received.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        }

        void reset() {
            received.set(0);
            repeated.set(0);
            ids.clear();
        }
    }
}
