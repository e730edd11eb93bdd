package io.ptarouter.sink;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollLedger;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.pta.PtaJson;
import io.ptarouter.routing.EventClassifier;

/**
 * The webhook sink as a Splunk HTTP Event Collector client: each POST body is one HEC event
 * {@code {"time", "host", "source", "sourcetype", "index"?, "event": <the envelope>}}, sent with
 * {@code Authorization: Splunk <token>}. With acknowledgement on ({@code ack=auto}) every request
 * carries this process's channel; a collector that answers with an {@code ackId} has only received
 * the event, not indexed it: the event counts as delivered when {@code /services/collector/ack}
 * says so. The poll's checkpoint asks for the acknowledgements of all its events at once, and one
 * that does not come within the ack timeout is sent again by the next poll (HEC's own advice).
 */
public final class SplunkHec {

    private static final Logger LOG = LoggerFactory.getLogger(SplunkHec.class);
    /** Exchange property: the acknowledgements the event's poll waits for at its next checkpoint. */
    static final String ACKS = "ptaSplunkHecAcks";
    private static final String SINK = "webhook";
    private static final Duration FIRST_ASK = Duration.ofMillis(200);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(5);

    public record Settings(String host, String source, String sourcetype, String index, boolean ack, Duration ackTimeout) {
    }

    private final Settings settings;
    private final String authorization;
    private final String channel = UUID.randomUUID().toString();
    private final URI ackUrl;
    private final HttpClientSupplier clients;
    private final ObjectMapper json = PtaJson.mapper();
    /** Per poll, the acknowledgements its lanes collect until the next checkpoint. */
    private final Map<Poll, Acks> open = new ConcurrentHashMap<>();

    /** Opens a client for the ack queries; closing it leaves the webhook's shared connection pool open. */
    @FunctionalInterface
    public interface HttpClientSupplier {
        CloseableHttpClient get();
    }

    /** {@code collector}: the event endpoint, e.g. https://splunk:8088/services/collector/event. */
    public SplunkHec(Settings settings, String token, URI collector, HttpClientSupplier clients) {
        this.settings = settings;
        this.authorization = "Splunk " + token;
        this.ackUrl = collector.resolve("/services/collector/ack?channel=" + channel);
        this.clients = clients;
    }

    /** The headers every HEC request carries: the token and, with acknowledgement on, the channel. */
    public Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", authorization);
        if (settings.ack()) {
            headers.put("X-Splunk-Request-Channel", channel);
        }
        return headers;
    }

    /** The HEC event of one envelope, written directly around the envelope's text (no tree per event). */
    String event(String envelope, long eventTimeMillis) {
        StringBuilder out = new StringBuilder(envelope.length() + 200);
        out.append("{\"time\":").append(eventTimeMillis / 1000).append('.');
        String fraction = Long.toString(1000 + Math.floorMod(eventTimeMillis, 1000L));
        out.append(fraction, 1, 4);
        field(out, "host", settings.host());
        field(out, "source", settings.source());
        field(out, "sourcetype", settings.sourcetype());
        if (settings.index() != null) {
            field(out, "index", settings.index());
        }
        return out.append(",\"event\":").append(envelope).append('}').toString();
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(",\"").append(name).append("\":\"");
        JsonStringEncoder.getInstance().quoteAsString(value, out);
        out.append('"');
    }

    /** Before the event goes to a lane: the acknowledgements its poll collects now, for the lane to add to. */
    void beforeSubmit(Exchange exchange) {
        if (settings.ack()) {
            Poll poll = PollTracker.poll(exchange);
            Acks acks = open.computeIfAbsent(poll, p -> new Acks(p, p.ledger()));
            // Completed first at the checkpoint: the events after it collect into new acks, and acks whose event
            // never reached a lane are not kept.
            poll.batch(SINK + "-hec-ack-period", () -> () -> open.remove(poll, acks));
            exchange.setProperty(ACKS, acks);
        }
    }

    /**
     * After the event went to a lane: its poll completes the acknowledgements after the lanes' batch, which
     * waits for the calls in flight, so a checkpoint asks for every ackId its calls received.
     */
    public void afterSubmit(Exchange exchange) {
        Acks acks = exchange.getProperty(ACKS, Acks.class);
        if (acks != null) {
            PollTracker.poll(exchange).batch(SINK + "-hec-ack", () -> acks);
        }
    }

    /** After the POST: delivered now, or, when the collector answered with an ackId, once acknowledged. */
    public void answered(Exchange exchange, PollTracker polls) {
        Acks acks = exchange.getProperty(ACKS, Acks.class);
        if (acks != null) {
            JsonNode ackId = ackIdOf(exchange.getMessage().getBody(String.class));
            if (ackId.canConvertToLong()) {
                acks.add(ackId.asLong(), exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class),
                        exchange.getProperty(PollTracker.ENVELOPE, String.class));
                return;
            }
        }
        polls.delivered(exchange);
    }

    /** The answer's ackId; a receiver that took the event and answered something else has no acknowledgement to give. */
    private JsonNode ackIdOf(String answer) {
        if (answer == null || answer.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return json.readTree(answer).path("ackId");
        } catch (JsonProcessingException e) {
            return MissingNode.getInstance();
        }
    }

    /** The ackIds one poll's calls received since its last checkpoint, and the versions they stand for. */
    final class Acks implements PollBatch {

        private final Poll poll;
        private final PollLedger ledger;
        private final Map<Long, Waiting> waiting = new LinkedHashMap<>();
        private boolean completed;

        Acks(Poll poll, PollLedger ledger) {
            this.poll = poll;
            this.ledger = ledger;
        }

        synchronized void add(long ackId, String key, String envelope) {
            // A call that finished after its checkpoint gave up on it: not counted, so the next poll sends it again.
            if (!completed) {
                waiting.put(ackId, new Waiting(key, envelope));
            }
        }

        @Override
        public void complete() throws IOException {
            Map<Long, Waiting> asked;
            synchronized (this) {
                completed = true;
                asked = new LinkedHashMap<>(waiting);
                waiting.clear();
            }
            if (asked.isEmpty()) {
                return;
            }
            long deadline = System.nanoTime() + settings.ackTimeout().toNanos();
            Duration wait = FIRST_ASK;
            IOException lastProblem = null;
            try (CloseableHttpClient client = clients.get()) {
                while (!asked.isEmpty()) {
                    try {
                        for (long acked : acknowledged(client, asked.keySet())) {
                            Waiting done = asked.remove(acked);
                            if (done != null) {
                                ledger.delivered(done.key(), SINK);
                            }
                        }
                        lastProblem = null;
                    } catch (IOException e) {
                        lastProblem = e;
                    }
                    if (asked.isEmpty() || System.nanoTime() + wait.toNanos() > deadline) {
                        break;
                    }
                    sleep(wait);
                    wait = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
                }
            }
            if (!asked.isEmpty()) {
                IOException late = new IOException("the Splunk HEC did not acknowledge " + asked.size() + " events within "
                        + settings.ackTimeout().toMillis() + " ms"
                        + (lastProblem == null ? "" : " (last ack query: " + lastProblem.getMessage() + ")"));
                asked.values().forEach(w -> ledger.failed(w.key(), SINK, w.envelope(), late, false));
                poll.markDeliveryFailed();
                throw late;
            }
        }
    }

    /** One HEC ack query: which of {@code ackIds} the indexers have. */
    private Set<Long> acknowledged(CloseableHttpClient client, Set<Long> ackIds) throws IOException {
        ObjectNode query = json.createObjectNode();
        ackIds.forEach(query.putArray("acks")::add);
        HttpPost post = new HttpPost(ackUrl);
        headers().forEach(post::setHeader);
        post.setEntity(new StringEntity(json.writeValueAsString(query), ContentType.APPLICATION_JSON));
        return client.execute(post, response -> {
            String body = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
            if (response.getCode() / 100 != 2) {
                // HEC's error bodies are {"text", "code"}: they name the problem and never carry the token.
                throw new IOException("the ack query was answered " + response.getCode() + " " + abbreviate(body));
            }
            Set<Long> done = ConcurrentHashMap.newKeySet();
            json.readTree(body).path("acks").fields().forEachRemaining(entry -> {
                if (entry.getValue().asBoolean(false)) {
                    try {
                        done.add(Long.parseLong(entry.getKey()));
                    } catch (NumberFormatException e) {
                        LOG.debug("ignored a non-numeric ackId in the HEC answer");
                    }
                }
            });
            return done;
        });
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static void sleep(Duration wait) throws IOException {
        try {
            // Waiting for the indexers between ack queries, on the poll's thread at its checkpoint: nothing to wake it earlier.
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for Splunk HEC acknowledgements", e);
        }
    }

    private record Waiting(String key, String envelope) {
    }
}
