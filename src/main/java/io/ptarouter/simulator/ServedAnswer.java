package io.ptarouter.simulator;

import java.util.List;
import java.util.Objects;

/**
 * One answer of the security events or risk events API, as the simulator wrote it: which logon session asked, in
 * which order, and which event versions it held. PTA answers only with the current version of each event, so a
 * version superseded before any answer held it was never observable by a client; these records say which ones were.
 *
 * @param request  the order in which the simulator received the request, counted over all PTA calls
 * @param session  the logon session the request was authorised by, numbered from 1 in logon order
 * @param stream   {@code security-events} or {@code risk-events}
 * @param since    the lower bound of a security events request ({@code fromUpdateDate} or the legacy header, in ms), or
 *                 null when it had none or is a risk events request: a client's watermark, seen from outside
 * @param complete the whole answer was written to the connection (it may still not have reached a client that died)
 * @param events   the event versions the answer held, in the order written; an incomplete answer lists the ones it had
 *                 begun to write when it broke
 * @param client   the request's User-Agent (pta-router's names its instance in cluster mode), or null
 * @param startedNanos when the request arrived, {@link System#nanoTime()}
 * @param endedNanos   when the answer was written or broke off, {@link System#nanoTime()}
 */
public record ServedAnswer(long request, int session, String stream, Long since, boolean complete, List<Event> events,
                           String client, long startedNanos, long endedNanos) {

    public static final String SECURITY_EVENTS = "security-events";
    public static final String RISK_EVENTS = "risk-events";

    public ServedAnswer {
        Objects.requireNonNull(stream, "stream");
        events = List.copyOf(events);
    }

    /** An answer whose client and times are not known. */
    public ServedAnswer(long request, int session, String stream, Long since, boolean complete, List<Event> events) {
        this(request, session, stream, since, complete, events, null, 0, 0);
    }

    /**
     * One event version as served: {@code version} is what a client tells versions apart by (lastUpdateTime of a
     * security event, detectionTime of a risk event), {@code type} and {@code score} what routing decides on.
     */
    public record Event(String id, long version, String type, Double score) {

        public Event {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(type, "type");
        }
    }
}
