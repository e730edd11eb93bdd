package io.ptarouter.sink;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.pta.PollLedger;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.pta.PtaJson;
import io.ptarouter.routing.EventClassifier;

/**
 * The dead-letter store: an event a sink refused for good, or could not take for longer than
 * {@code pta.delivery.park-after}, is parked here so the watermark can move on. One NDJSON file per
 * sink per day, {@code <directory>/<sink>-<yyyy-MM-dd>.ndjson}, one record per line with the time,
 * the sink, the error and the envelope as the sink would have received it; written and forced to
 * disk before the event counts as handled. To replay, move a file (or some of its lines) into
 * {@code <directory>/replay/}: each record goes to its sink again, and what fails again is parked again.
 */
public final class DeadLetters implements PollLedger.DeadLetterSink {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final Path directory;
    private final FilePermissions permissions;
    private final ObjectMapper json = PtaJson.mapper();

    public DeadLetters(Path directory) {
        this(directory, FilePermissions.umask());
    }

    public DeadLetters(Path directory, FilePermissions permissions) {
        this.directory = directory;
        this.permissions = permissions;
    }

    @Override
    public void park(String stream, List<PollLedger.Failure> failures, Instant now) throws IOException {
        Map<String, StringBuilder> bySink = new TreeMap<>();
        for (PollLedger.Failure failure : failures) {
            ObjectNode record = json.createObjectNode()
                    .put("parkedAt", now.toString())
                    .put("stream", stream)
                    .put("sink", failure.sink())
                    .put("key", failure.key())
                    .put("error", DeliveryFailures.describe(failure.cause()))
                    .put("permanent", failure.permanent());
            record.set("envelope", failure.envelope() == null ? null : json.readTree(failure.envelope()));
            bySink.computeIfAbsent(failure.sink(), s -> new StringBuilder())
                    .append(json.writeValueAsString(record)).append('\n');
            LOG.warn("{} parked in the dead-letter store for {}: {}", failure.key(), failure.sink(),
                    failure.permanent() ? "refused for good" : "not delivered since it happened, past the park-after time");
        }
        for (Map.Entry<String, StringBuilder> entry : bySink.entrySet()) {
            Path file = directory.resolve(entry.getKey() + "-" + LocalDate.ofInstant(now, ZoneOffset.UTC) + ".ndjson");
            try (FileChannel channel = permissions.openForAppend(file);
                 Writer writer = new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8)) {
                writer.write(entry.getValue().toString());
                writer.flush();
                channel.force(false);
            }
        }
    }

    /**
     * Turns one dead-letter record (the body) back into the message its sink received, with the
     * {@code pta*} headers restored from the envelope, and names the sink in {@value PollTracker#SINK}.
     */
    public void restore(Exchange exchange) throws IOException {
        JsonNode record = json.readTree(exchange.getMessage().getBody(String.class));
        JsonNode envelope = record.path("envelope");
        JsonNode metadata = envelope.path("metadata");
        String sink = record.path("sink").asText("");
        if (!envelope.isObject() || !metadata.isObject() || sink.isEmpty() || !record.path("key").isTextual()) {
            throw new IOException("not a dead-letter record (expected sink, key and envelope.metadata)");
        }
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(EventClassifier.STREAM, metadata.path("stream").asText());
        message.setHeader(EventClassifier.ID, metadata.path("id").asText());
        message.setHeader(EventClassifier.TYPE, metadata.path("type").asText());
        message.setHeader(EventClassifier.SCORE, metadata.path("score").isNumber() ? metadata.path("score").asDouble() : null);
        message.setHeader(EventClassifier.SEVERITY, metadata.path("severity").asText());
        message.setHeader(EventClassifier.STATUS, metadata.path("status").asText());
        message.setHeader(EventClassifier.EVENT_TIME, metadata.path("eventTime").asText());
        message.setHeader(EventClassifier.VERSION, metadata.path("version").asLong());
        message.setHeader(EventClassifier.UPDATE, metadata.path("update").asBoolean());
        if (metadata.hasNonNull("account")) {
            message.setHeader(EventClassifier.ACCOUNT, metadata.path("account").asText());
        }
        String key = record.path("key").asText();
        message.setHeader(EventClassifier.DELIVERY_KEY, key);
        exchange.setProperty(EventClassifier.DELIVERY_KEY, key);
        exchange.setProperty(EventClassifier.EVENT_TIME_MILLIS, Instant.parse(metadata.path("eventTime").asText()).toEpochMilli());
        exchange.setProperty(PollTracker.SINK, sink);
        message.setBody(json.writeValueAsString(envelope));
    }
}
