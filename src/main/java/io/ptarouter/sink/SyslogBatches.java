package io.ptarouter.sink;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.teragrep.rlp_01.RelpBatch;
import com.teragrep.rlp_01.RelpConnection;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollLedger;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;
import io.ptarouter.transport.TlsTrust;

/**
 * The syslog sink: each event as one CEF record (see {@link CefRecords}) in an RFC 5424 or RFC 3164
 * message, over TCP or TLS with octet-counting framing (RFC 6587, RFC 5425), UDP, or RELP.
 * A poll writes in batches of {@code maxInFlight} records, and when it checkpoints or ends:
 * <ul>
 * <li>RELP: a record counts as delivered when the receiver acknowledged it ({@code rsp 200});</li>
 * <li>TCP/TLS: when it was written and flushed to the socket, and the connection reported no error
 * (no reset, no close by the receiver) when the batch ended. Syslog over TCP has no acknowledgement:
 * what the receiver's kernel took and the receiver then lost is not seen;</li>
 * <li>UDP: when the datagram was sent. Lossy: nothing tells a lost datagram.</li>
 * </ul>
 * Hand-written over plain sockets: camel-syslog's SyslogConverter writes the same two headers but needs
 * jakarta.xml.bind for it and frames nothing, and camel-netty's producer writes one exchange at a time with
 * neither octet counting nor a check of the connection at the batch's end, which "delivered" rests on.
 * A record not delivered stays owed, and the next poll sends it again: at least once, so over TCP
 * a record flushed before a reset may arrive twice.
 */
public final class SyslogBatches implements Processor, AutoCloseable {

    public static final String SINK = "syslog";

    public enum Transport { TCP, TLS, UDP, RELP }

    public enum Format { RFC5424, RFC3164 }

    /** Where and how: the peer, the framing, the header's fields. */
    public record Target(Transport transport, Format format, String host, int port, int facility, String hostname,
                         Duration timeout, TlsTrust trust) {
    }

    private static final DateTimeFormatter RFC3164_TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter RFC5424_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX")
            .withZone(ZoneOffset.UTC);

    private final Target target;
    private final CefRecords records;
    private final int maxInFlight;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    /** The connection every poll writes to, or null before the first record and after a failure; guarded by this. */
    private Connection connection;

    public SyslogBatches(Target target, CefRecords records, int maxInFlight, Clock clock) {
        this.target = target;
        this.records = records;
        this.maxInFlight = maxInFlight;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Poll poll = PollTracker.poll(exchange);
        Batch batch = poll.batch(SINK, () -> new Batch(poll));
        Message message = exchange.getMessage();
        String envelope = message.getBody(String.class);
        JsonNode event = json.readTree(envelope).path("event");
        String cef = records.format(new CefRecords.Event(message.getHeader(EventClassifier.STREAM, String.class), event,
                message.getHeader(EventClassifier.SCORE, Double.class),
                Boolean.TRUE.equals(message.getHeader(EventClassifier.UPDATE, Boolean.class)),
                message.getHeader(EventClassifier.VERSION, 0L, Long.class)));
        batch.send(exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class), envelope, syslogMessage(cef, message));
    }

    /** The syslog message around the CEF record: RFC 5424's header, or RFC 3164's as PTA itself writes it. */
    String syslogMessage(String cef, Message message) {
        int cefSeverity = Integer.parseInt(cef.split("(?<!\\\\)\\|", 8)[6]);
        // CEF 9-10 critical, 7-8 error, 4-6 warning, 1-3 notice.
        int severity = cefSeverity >= 9 ? 2 : cefSeverity >= 7 ? 3 : cefSeverity >= 4 ? 4 : 5;
        int pri = target.facility() * 8 + severity;
        var now = clock.instant();
        if (target.format() == Format.RFC3164) {
            return "<" + pri + ">" + RFC3164_TIME.format(now) + " " + target.hostname() + " " + cef;
        }
        return "<" + pri + ">1 " + RFC5424_TIME.format(now) + " " + target.hostname() + " pta-router - PTA - " + cef;
    }

    /**
     * Opens a connection to the receiver as a batch would (TCP, the TLS handshake, a RELP session) and closes
     * it without sending a record: what the check mode reports. UDP has nothing to open.
     */
    public String reach() throws IOException {
        String where = target.transport().name().toLowerCase(Locale.ROOT) + "://" + target.host() + ":" + target.port();
        if (target.transport() == Transport.UDP) {
            return where + ": nothing to reach (datagrams are not acknowledged), no record sent";
        }
        Connection link = target.transport() == Transport.RELP ? new RelpLink(target) : new StreamConnection(target);
        link.close();
        return where + " reachable" + (target.transport() == Transport.TLS ? ", TLS with "
                + (target.trust().verifiesHostNames() ? "a trusted certificate" : "the certificate not verified") : "")
                + ", no record sent";
    }

    private synchronized Connection connection() throws IOException {
        if (connection != null && !isAlive(connection)) {
            connection.close();
            connection = null;
        }
        if (connection == null) {
            connection = switch (target.transport()) {
                case TCP, TLS -> new StreamConnection(target);
                case UDP -> new DatagramConnection(target);
                case RELP -> new RelpLink(target);
            };
        }
        return connection;
    }

    private static boolean isAlive(Connection link) {
        synchronized (link) { // not while another batch writes to it
            return link.alive();
        }
    }

    private synchronized void broken(Connection failed) {
        if (connection == failed) {
            connection.close();
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    /** One poll's records written and not yet confirmed. */
    private final class Batch implements PollBatch {

        private final Poll poll;
        private final PollLedger ledger;
        private final List<String[]> pending = new ArrayList<>(); // {key, envelope}
        private final List<byte[]> unsent = new ArrayList<>();
        private Exception failure;

        Batch(Poll poll) {
            this.poll = poll;
            this.ledger = poll.ledger();
        }

        synchronized void send(String key, String envelope, String syslogMessage) {
            pending.add(new String[] {key, envelope});
            unsent.add(syslogMessage.getBytes(StandardCharsets.UTF_8));
            if (unsent.size() >= maxInFlight) {
                if (poll.holdsStream()) {
                    flush();
                } else {
                    discard();
                }
            }
        }

        /**
         * The poll lost its stream to another instance, which sends these events too: the records not sent yet are
         * dropped, not sent (a syslog receiver has no duplicate detection), and their events stay owed.
         */
        @Override
        public synchronized void discard() {
            pending.clear();
            unsent.clear();
        }

        /** Sends what is queued; each record is reported delivered or failed once the connection says. */
        private synchronized void flush() {
            if (pending.isEmpty()) {
                return;
            }
            Connection link = null;
            try {
                link = connection();
                boolean[] taken;
                // The streams' polls may run at once and share the connection: one batch's records at a time.
                synchronized (link) {
                    link.send(unsent);
                    taken = link.confirm();
                }
                IOException refused = null;
                for (int i = 0; i < pending.size(); i++) {
                    if (taken == null || taken[i]) {
                        ledger.delivered(pending.get(i)[0], SINK);
                    } else {
                        refused = refused != null ? refused : new IOException("the RELP receiver did not acknowledge the record");
                        ledger.failed(pending.get(i)[0], SINK, pending.get(i)[1], refused, false);
                    }
                }
                if (refused != null && failure == null) {
                    failure = refused;
                }
            } catch (IOException | RuntimeException e) {
                if (link != null) {
                    broken(link);
                }
                if (failure == null) {
                    failure = e;
                }
                pending.forEach(p -> ledger.failed(p[0], SINK, p[1], e, false));
            } finally {
                pending.clear();
                unsent.clear();
            }
        }

        @Override
        public void complete() throws IOException {
            flush();
            if (failure != null) {
                throw new IOException("the syslog receiver at " + target.host() + ":" + target.port() + " did not take every record: "
                                      + failure.getMessage(), failure);
            }
        }
    }

    private interface Connection {
        void send(List<byte[]> messages) throws IOException;

        /**
         * Throws when nothing {@link #send} wrote can count as delivered; else, per message, whether the
         * receiver took it (null: all of them).
         */
        boolean[] confirm() throws IOException;

        /** False when the receiver closed or reset the connection: a new one is opened. */
        boolean alive();

        void close();
    }

    /** TCP or TLS, octet-counting framing: {@code <length> <message>} (RFC 6587 3.4.1, RFC 5425 4.3). */
    private static final class StreamConnection implements Connection {

        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        StreamConnection(Target target) throws IOException {
            Socket plain = new Socket();
            try {
                plain.connect(new InetSocketAddress(target.host(), target.port()), (int) target.timeout().toMillis());
                plain.setSoTimeout((int) target.timeout().toMillis());
                if (target.transport() == Transport.TLS) {
                    SSLSocket tls = (SSLSocket) target.trust().socketFactory().createSocket(plain, target.host(), target.port(), true);
                    if (target.trust().verifiesHostNames()) {
                        SSLParameters parameters = tls.getSSLParameters();
                        parameters.setEndpointIdentificationAlgorithm("HTTPS");
                        tls.setSSLParameters(parameters);
                    }
                    tls.startHandshake();
                    socket = tls;
                } else {
                    socket = plain;
                }
            } catch (IOException | RuntimeException e) {
                plain.close();
                throw e;
            }
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            in = socket.getInputStream();
        }

        @Override
        public void send(List<byte[]> messages) throws IOException {
            for (byte[] message : messages) {
                out.write((message.length + " ").getBytes(StandardCharsets.US_ASCII));
                out.write(message);
            }
            out.flush();
        }

        @Override
        public boolean[] confirm() throws IOException {
            if (!alive()) {
                throw new IOException("the receiver closed the connection");
            }
            return null;
        }

        /** A short read: a syslog receiver never writes, so only the end of the stream or an error comes back. */
        @Override
        public boolean alive() {
            try {
                int timeout = socket.getSoTimeout();
                socket.setSoTimeout(20);
                try {
                    return in.read() != -1;
                } finally {
                    socket.setSoTimeout(timeout);
                }
            } catch (SocketTimeoutException e) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // gone already
            }
        }
    }

    /** One datagram per message (RFC 5426): sent is all that is known. */
    private static final class DatagramConnection implements Connection {

        private final DatagramSocket socket;
        private final InetSocketAddress peer;

        DatagramConnection(Target target) throws IOException {
            peer = new InetSocketAddress(target.host(), target.port());
            socket = new DatagramSocket();
        }

        @Override
        public void send(List<byte[]> messages) throws IOException {
            for (byte[] message : messages) {
                socket.send(new DatagramPacket(message, message.length, peer));
            }
        }

        @Override
        public boolean[] confirm() {
            return null; // UDP has no answer
        }

        @Override
        public boolean alive() {
            return true;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** RELP: each record a {@code syslog} command the receiver answers; delivered means answered 200. */
    private static final class RelpLink implements Connection {

        private final RelpConnection relp = new RelpConnection();
        private final String host;
        private final int port;
        private RelpBatch sent;
        private List<Long> sentIds;

        RelpLink(Target target) throws IOException {
            int timeout = (int) target.timeout().toMillis();
            relp.setConnectionTimeout(timeout);
            relp.setReadTimeout(timeout);
            relp.setWriteTimeout(timeout);
            host = target.host();
            port = target.port();
            try {
                if (!relp.connect(host, port)) {
                    throw new IOException("the RELP receiver refused the session open");
                }
            } catch (TimeoutException e) {
                relp.tearDown();
                throw new IOException("no RELP answer within " + target.timeout(), e);
            } catch (IOException | RuntimeException e) {
                relp.tearDown();
                throw e;
            }
        }

        @Override
        public void send(List<byte[]> messages) throws IOException {
            RelpBatch batch = new RelpBatch();
            List<Long> ids = new ArrayList<>(messages.size());
            messages.forEach(message -> ids.add(batch.insert(message)));
            try {
                relp.commit(batch);
            } catch (TimeoutException e) {
                throw new IOException("no RELP acknowledgement within the timeout", e);
            }
            sent = batch;
            sentIds = ids;
        }

        /** Each record's own answer: 200 is taken; anything else, or none, is not. */
        @Override
        public boolean[] confirm() {
            boolean[] taken = new boolean[sentIds.size()];
            for (int i = 0; i < taken.length; i++) {
                taken[i] = sent.verifyTransaction(sentIds.get(i));
            }
            return taken;
        }

        @Override
        public boolean alive() {
            return true; // a dead session fails the next commit, which reports its records as failed
        }

        @Override
        public void close() {
            try {
                relp.disconnect();
            } catch (IOException | TimeoutException | RuntimeException e) {
                // the session is gone
            } finally {
                relp.tearDown();
            }
        }
    }
}
