package io.ptarouter.sink;

import java.time.Instant;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.pta.PtaJson;
import io.ptarouter.routing.EventClassifier;

/**
 * A sink's body format: the envelope as the classifier wrote it (nothing to do), an OCSF Detection
 * Finding, or a Splunk HEC event. The claim step before it kept the envelope, which is what a
 * failure parks and a replay starts from, whatever the sink sends.
 */
public final class SinkBody implements Processor {

    public enum Format {
        ENVELOPE, OCSF, SPLUNK_HEC;

        /** As the settings write it: envelope, ocsf, splunk-hec. */
        public static Format of(String setting) {
            return valueOf(setting.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    private final Format format;
    private final OcsfRecords ocsf;
    private final SplunkHec hec;
    private final ObjectMapper json = PtaJson.mapper();

    public SinkBody(Format format, OcsfRecords ocsf, SplunkHec hec) {
        if (format == Format.OCSF && ocsf == null || format == Format.SPLUNK_HEC && hec == null) {
            throw new IllegalArgumentException("no writer for the body format " + format);
        }
        this.format = format;
        this.ocsf = ocsf;
        this.hec = hec;
    }

    /**
     * The text a sink sends for this event, the message left as it is: the router hands the same message to
     * its next sinks.
     */
    public String text(Exchange exchange) throws JsonProcessingException {
        String envelope = exchange.getMessage().getBody(String.class);
        return switch (format) {
            case ENVELOPE -> envelope;
            case OCSF -> ocsf.format(json.readTree(envelope));
            case SPLUNK_HEC -> hec.event(envelope, eventTimeMillis(exchange));
        };
    }

    /** Sets the body to {@link #text}: on a call's own copy of the event (a webhook lane's). */
    @Override
    public void process(Exchange exchange) throws JsonProcessingException {
        Message message = exchange.getMessage();
        switch (format) {
            case ENVELOPE -> {
                // today's body, unchanged
            }
            case OCSF -> message.setBody(ocsf.format(json.readTree(message.getBody(String.class))));
            case SPLUNK_HEC -> {
                message.setBody(hec.event(message.getBody(String.class), eventTimeMillis(exchange)));
                hec.beforeSubmit(exchange);
            }
        }
    }

    private static long eventTimeMillis(Exchange exchange) {
        Long millis = exchange.getProperty(EventClassifier.EVENT_TIME_MILLIS, Long.class);
        if (millis != null) {
            return millis;
        }
        String time = exchange.getMessage().getHeader(EventClassifier.EVENT_TIME, String.class);
        return time == null ? System.currentTimeMillis() : Instant.parse(time).toEpochMilli();
    }
}
