package io.ptarouter.demo;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process syslog receiver for the demo: TCP with octet-counting framing (RFC 6587, as the syslog
 * sink sends over tcp), each record one line of a file, so the CEF records can be read on a machine
 * with no SIEM. A connection that breaks the framing is closed; the others go on.
 */
public final class DemoSyslogReceiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoSyslogReceiver.class);
    /** A record longer than this is a framing error, not a record: nothing is kept of it. */
    private static final int MAX_RECORD = 1024 * 1024;

    private final ServerSocket server;
    private final Path file;
    private final Object lock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger received = new AtomicInteger();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();

    private DemoSyslogReceiver(ServerSocket server, Path file) {
        this.server = server;
        this.file = file;
    }

    /** Starts a receiver on host and port (0 picks a free port) that appends every record to {@code file}. */
    public static DemoSyslogReceiver start(String host, int port, Path file) {
        DemoSyslogReceiver receiver;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            receiver = new DemoSyslogReceiver(new ServerSocket(port, 50, InetAddress.getByName(host)), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the demo syslog receiver on " + host + ":" + port, e);
        }
        Thread acceptor = new Thread(receiver::accept, "demo-syslog-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("demo syslog receiver listening on tcp {}:{}, appending to {}", host, receiver.port(), file);
        return receiver;
    }

    public int port() {
        return server.getLocalPort();
    }

    public Path file() {
        return file;
    }

    public int receivedCount() {
        return received.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the demo syslog receiver: {}", e.toString());
        }
        connections.forEach(DemoSyslogReceiver::closeQuietly);
    }

    private void accept() {
        AtomicInteger counter = new AtomicInteger();
        while (!closed.get()) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                Thread reader = new Thread(() -> read(socket), "demo-syslog-" + counter.incrementAndGet());
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.warn("demo syslog receiver: {}", e.toString());
                }
            }
        }
    }

    private void read(Socket socket) {
        try (InputStream in = new BufferedInputStream(socket.getInputStream())) {
            while (true) {
                int length = frameLength(in);
                if (length < 0) {
                    return; // the sender closed the connection between records
                }
                byte[] record = in.readNBytes(length);
                if (record.length < length) {
                    throw new IOException("the connection ended inside a record of " + length + " octets");
                }
                String line = new String(record, StandardCharsets.UTF_8).replaceAll("\r\n|\r|\n", " ");
                synchronized (lock) {
                    // Held across the write so records never interleave and the count matches the file.
                    Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    received.incrementAndGet();
                }
            }
        } catch (IOException e) {
            if (!closed.get()) {
                LOG.warn("demo syslog receiver closed a connection from {}: {}", socket.getRemoteSocketAddress(), e.getMessage());
            }
        } finally {
            connections.remove(socket);
            closeQuietly(socket);
        }
    }

    /** RFC 6587 octet counting: {@code MSG-LEN SP}, MSG-LEN a non-zero decimal; -1 at a clean end of stream. */
    private static int frameLength(InputStream in) throws IOException {
        int c = in.read();
        if (c < 0) {
            return -1;
        }
        if (c < '1' || c > '9') {
            throw new IOException("expected an octet count (RFC 6587), got byte " + c);
        }
        long length = c - '0';
        for (c = in.read(); c >= '0' && c <= '9'; c = in.read()) {
            length = length * 10 + (c - '0');
            if (length > MAX_RECORD) {
                throw new IOException("a record of more than " + MAX_RECORD + " octets");
            }
        }
        if (c != ' ') {
            throw new IOException("expected a space after the octet count, got " + (c < 0 ? "the end of the stream" : "byte " + c));
        }
        return (int) length;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing a demo syslog connection: {}", e.toString());
        }
    }
}
