package io.ptarouter.sink;

import java.util.ArrayList;
import java.util.List;

import io.ptarouter.pta.Poll;

/**
 * The events collected for one digest mail, in the order they came. Each keeps what the digest
 * lists and the envelope, for the dead-letter store if the mail fails for good.
 */
public final class EmailDigest {

    /** Exchange property: the digest a message is the mail of. */
    public static final String PROPERTY = "ptaEmailDigest";

    /** One event in a digest: its delivery key, what the mail lists, and the envelope as routed. */
    public record Event(String key, String stream, String id, String type, String score, String account,
                        String eventTime, String envelope) {
    }

    /** Told once every event in the digest was reported, delivered or not. */
    interface Settled {
        void settled(Poll poll, EmailDigest digest, boolean delivered);
    }

    private final List<Event> events = new ArrayList<>();
    private final Settled onSettled;
    private boolean settled;

    EmailDigest(Settled onSettled) {
        this.onSettled = onSettled;
    }

    void add(Event event) {
        events.add(event);
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Every event in it was reported to the poll's ledger, delivered or failed (once; again is ignored). */
    public void settled(Poll poll, boolean delivered) {
        synchronized (this) {
            if (settled) {
                return;
            }
            settled = true;
        }
        onSettled.settled(poll, this, delivered);
    }

    public int size() {
        return events.size();
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    /** The same events give the same Message-ID, whatever their order: a digest sent again is recognisable. */
    public String messageId() {
        List<String> keys = new ArrayList<>(events.stream().map(Event::key).sorted().toList());
        return EmailComposer.stableId(String.join("\n", keys) + "/email-digest");
    }

    /** How logs name it: never event data beyond the delivery keys. */
    @Override
    public String toString() {
        return events.isEmpty() ? "an empty digest"
                : "a digest of " + events.size() + " events (" + events.get(0).key() + " ...)";
    }
}
