package io.ptarouter.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A webhook receiver over real HTTP on loopback: answers every POST 200 and tallies it by the envelope's version and
 * its {@code Idempotency-Key} header, as a receiver that de-duplicates by that header would.
 */
final class WebhookReceiver implements AutoCloseable {

    static final String PATH = "/pta-events";

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final DeliveryTally posts = new DeliveryTally();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext(PATH, this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    DeliveryTally posts() {
        return posts;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String idempotencyKey = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            Envelopes.deliveryKey(body).ifPresentOrElse(key -> posts.record(key, idempotencyKey), posts::recordUnreadable);
            exchange.sendResponseHeaders(200, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
