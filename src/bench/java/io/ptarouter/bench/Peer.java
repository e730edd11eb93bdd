package io.ptarouter.bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ptarouter.simulator.PtaSimulator;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 * measured: the PTA simulator serving N generated events, a webhook receiver answering 200, an SMTP server and a
 * syslog receiver (TCP, octet-counted, acknowledging nothing: it counts records).
 * {@code GET /counts} on the control port answers "webhook=<posts> repeated=<n> smtp=<mails> syslog=<records>", {@code POST /reset}
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
        Syslog syslog = new Syslog();
        HttpServer control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        control.createContext("/counts", exchange -> answer(exchange, "webhook=" + webhook.received.get()
                + " repeated=" + webhook.repeated.get() + " smtp=" + smtp.getReceivedMessages().length
                + " syslog=" + syslog.received.get()));
        control.createContext("/reset", exchange -> {
            webhook.reset();
            syslog.received.set(0);
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
                + "syslog=" + syslog.server.getLocalPort() + "\n"
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

    /** Counts octet-counted syslog records (RFC 6587) on loopback TCP; one thread per connection. */
    private static final class Syslog {
        final AtomicLong received = new AtomicLong();
        final ServerSocket server;

        Syslog() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try {
                        Socket socket = server.accept();
                        Thread reader = new Thread(() -> count(socket), "bench-syslog");
                        reader.setDaemon(true);
                        reader.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "bench-syslog-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void count(Socket socket) {
            try (socket; InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16)) {
                for (int c = in.read(); c >= 0; c = in.read()) {
                    long length = 0;
                    for (; c >= '0' && c <= '9'; c = in.read()) {
                        length = length * 10 + (c - '0');
                    }
                    if (c != ' ' || length == 0) {
                        return; // not octet-counted: the benchmark's sink sends only octet-counted tcp
                    }
                    in.skipNBytes(length);
                    received.incrementAndGet();
                }
            } catch (IOException e) {
                // the variant's context closed the connection
            }
        }
    }
}
