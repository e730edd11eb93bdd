package io.ptarouter.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process webhook endpoint for the demo: every POST body becomes one line of an NDJSON file, so webhook
 * alerts can be seen on a machine with nothing listening for them.
 */
public final class DemoWebhookReceiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoWebhookReceiver.class);
    private static final int MAX_BODY = 1024 * 1024;
    private static final String SEVERITY_HEADER = "X-Pta-Severity";

    private final HttpServer server;
    private final ExecutorService threads;
    private final Path file;
    private final Object lock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Map<String, List<String>>> headers = new ArrayList<>();

    private DemoWebhookReceiver(HttpServer server, ExecutorService threads, Path file) {
        this.server = server;
        this.threads = threads;
        this.file = file;
    }

    /** Starts a receiver on host and port (0 picks a free port) that accepts POST on / and every path below it. */
    public static DemoWebhookReceiver start(String host, int port, Path file) {
        HttpServer server;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the demo webhook receiver on " + host + ":" + port, e);
        }
        AtomicInteger counter = new AtomicInteger();
        ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "demo-webhook-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        DemoWebhookReceiver receiver = new DemoWebhookReceiver(server, threads, file);
        server.setExecutor(threads);
        server.createContext("/", receiver::handle);
        server.start();
        LOG.info("demo webhook receiver listening on {}, appending to {}", receiver.url(), file);
        return receiver;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The URL to point a webhook sink at, e.g. {@code http://127.0.0.1:8099/}. */
    public String url() {
        String host = server.getAddress().getHostString();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/";
    }

    public Path file() {
        return file;
    }

    public int receivedCount() {
        synchronized (lock) {
            return headers.size();
        }
    }

    /** The values of one header over all accepted requests, in arrival order; requests without it add nothing. */
    public List<String> receivedHeaders(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        List<String> values = new ArrayList<>();
        synchronized (lock) {
            for (Map<String, List<String>> request : headers) {
                values.addAll(request.getOrDefault(key, List.of()));
            }
        }
        return values;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            if (!"POST".equalsIgnoreCase(exchange.getRequestMethod())) {
                answer(exchange, 405, "{\"received\":false,\"error\":\"only POST is accepted\"}");
                return;
            }
            byte[] body = readBody(exchange);
            if (body == null) {
                answer(exchange, 413, "{\"received\":false,\"error\":\"body larger than 1 MiB\"}");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String severity = exchange.getRequestHeaders().getFirst(SEVERITY_HEADER);
            String line = new String(body, StandardCharsets.UTF_8).replaceAll("\r\n|\r|\n", " ");
            synchronized (lock) {
                // Held across the write so lines never interleave and the count matches the file.
                Files.writeString(file, line + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                headers.add(lowerCaseNames(exchange.getRequestHeaders()));
            }
            LOG.info("demo webhook received POST {} ({} bytes{})", path, body.length,
                    severity == null ? "" : ", severity " + severity);
            answer(exchange, 200, "{\"received\":true}");
        } finally {
            exchange.close();
        }
    }

    /** The body, or null when it is over the limit (the excess is read and discarded, never kept). */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length <= MAX_BODY) {
                return body;
            }
            // Read the rest without keeping it: answering while the client still sends makes it see a reset.
            in.transferTo(OutputStream.nullOutputStream());
            return null;
        }
    }

    private static Map<String, List<String>> lowerCaseNames(Map<String, List<String>> requestHeaders) {
        Map<String, List<String>> copy = new HashMap<>();
        requestHeaders.forEach((name, values) ->
                copy.computeIfAbsent(name.toLowerCase(Locale.ROOT), key -> new ArrayList<>()).addAll(values));
        copy.replaceAll((name, values) -> List.copyOf(values));
        return Map.copyOf(copy);
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
