package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/** A flood of high events: a few single mails, then digests that list every other event once. */
class EmailDigestTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final int AFTER = 20;
    private static final int MAX_EVENTS = 100;
    static final Pattern SINGLE_ID = Pattern.compile("(?m)^Event id:\\s*(\\S+)\\s*$");
    static final Pattern DIGEST_ID = Pattern.compile("(?m)  id (\\S+)$");

    @Override
    protected Map<String, String> settings() {
        // Only the file sink besides email: the test is about mail, and 5,000 webhook calls would be slow.
        return Map.of("pta.sink.email.digest.after", Integer.toString(AFTER),
                "pta.sink.email.digest.max-events", Integer.toString(MAX_EVENTS),
                "pta.sink.webhook.enabled", "false", "pta.sink.jms.enabled", "false");
    }

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
    }

    @Test
    void fiveThousandHighEventsInOnePollGiveTheConfiguredSingleMailsAndDigestsListingEveryEventOnce() throws Exception {
        long t = NOW.toEpochMilli();
        List<ObjectNode> events = new ArrayList<>();
        for (int n = 1; n <= 5_000; n++) {
            events.add(Events.security(Events.id(n), "SuspectedCredentialsTheft", 90.0, t + n));
        }
        stubSecurityEvents(Events.array(events));

        poll(STREAM);

        Map<String, Integer> listed = new HashMap<>();
        int singles = 0;
        int digests = 0;
        for (MimeMessage mail : mails()) {
            String text = plainText(mail);
            if (mail.getSubject().startsWith("[PTA digest]")) {
                digests++;
                List<String> ids = all(DIGEST_ID, text);
                assertThat(ids).as("events in one digest").hasSizeBetween(1, MAX_EVENTS);
                assertThat(mail.getSubject()).isEqualTo("[PTA digest] " + ids.size() + " more events from " + STREAM);
                assertThat(mail.getMessageID()).as("derived from the digest's events")
                        .isEqualTo(EmailComposer.stableId(String.join("\n", keys(ids, t)) + "/email-digest"));
                ids.forEach(id -> listed.merge(id, 1, Integer::sum));
            } else {
                singles++;
                List<String> ids = all(SINGLE_ID, text);
                assertThat(ids).hasSize(1);
                listed.merge(ids.get(0), 1, Integer::sum);
            }
        }
        assertThat(singles).as("single mails").isEqualTo(AFTER);
        assertThat(digests).as("digest mails").isBetween((5_000 - AFTER) / MAX_EVENTS, 5_000 - AFTER);
        assertThat(listed).as("every event id, each once").hasSize(5_000).allSatisfy((id, times) -> assertThat(times).isOne());
        assertThat(watermarks().get(STREAM)).as("every event delivered").hasValue(t + 5_000);

        int mailed = mails().length;
        poll(STREAM);
        assertThat(mails()).as("recorded as delivered: the next poll mails none again").hasSize(mailed);
    }

    @Test
    void aDigestListsHostileFieldsHtmlEscaped() throws Exception {
        long t = NOW.toEpochMilli();
        List<ObjectNode> events = new ArrayList<>();
        for (int n = 1; n <= AFTER + 1; n++) {
            events.add(Events.security(Events.id(n), "SuspectedCredentialsTheft", 90.0, t + n));
        }
        ObjectNode hostile = events.get(AFTER);
        ((ObjectNode) hostile.path("audits").path(0).path("account")).put("accountAsStr", "<script>alert(1)</script>\r\nBcc: x@evil.test");
        stubSecurityEvents(Events.array(events));

        poll(STREAM);

        MimeMessage digest = List.of(mails()).stream().filter(m -> subject(m).startsWith("[PTA digest]")).findFirst().orElseThrow();
        String html = part(digest, "text/html");
        assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script");
        assertThat(digest.getHeader("Bcc")).isNull();
        assertThat(plainText(digest)).contains(Events.id(AFTER + 1));
    }

    static String subject(MimeMessage mail) {
        try {
            return mail.getSubject();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> keys(List<String> ids, long t) {
        List<String> keys = new ArrayList<>();
        for (String id : ids) {
            keys.add(STREAM + "/" + id + "/" + (t + Integer.parseInt(id, 16)));
        }
        keys.sort(null);
        return keys;
    }

    static List<String> all(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    static String plainText(Part part) throws Exception {
        return part(part, "text/plain");
    }

    private static String part(Part part, String type) throws Exception {
        if (part.isMimeType(type)) {
            return part.getContent().toString();
        }
        if (part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                String found = child.isMimeType(type) || child.getContent() instanceof Multipart ? part(child, type) : null;
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }
}
