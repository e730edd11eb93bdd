package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ptarouter.sink.EmailComposer;
import io.ptarouter.testing.Events;

/**
 * A poll remembers the last 50,000 versions it settled; a repeat that came after more distinct
 * versions than that was delivered again. Now it is recognised however many versions come between
 * the copies (52,000 here, in one poll, checkpointed every 1,000), and a version that
 * every sink failed with is tried once per poll, not again for each copy after a checkpoint.
 */
class RepeatAfterManyVersionsTest extends ReliabilityTestSupport {

    /** More than the 50,000 versions a poll holds in memory. */
    private static final int OTHERS = 52_000;

    private final long t = NOW.toEpochMilli() - 3_600_000;

    @Override
    protected Map<String, String> settings() {
        boolean onlyWebhook = getCurrentTestName().contains("EverySink");
        return Map.of("pta.delivery.checkpoint-events", "1000",
                "pta.sink.jms.enabled", "false",
                "pta.sink.file.enabled", Boolean.toString(!onlyWebhook),
                "pta.sink.email.enabled", Boolean.toString(!onlyWebhook));
    }

    @BeforeEach
    void pvwa() {
        stubLogon(TOKEN);
    }

    @Test
    void aVersionRepeatedAfter52000OtherVersionsInOneAnswerIsDeliveredOncePerSink() throws Exception {
        webhookWorks();
        stubSecurityEvents(answer(OTHERS));

        poll(STREAM);

        assertThat(pollFailures()).isEmpty();
        List<String> lines = fileKeys();
        Set<String> expected = new HashSet<>(others(OTHERS));
        expected.add(key(1, t));
        assertThat(lines).as("file lines").hasSize(OTHERS + 1);
        assertThat(new HashSet<>(lines)).as("file lines").isEqualTo(expected);
        assertThat(webhookKeysAccepted()).as("webhook calls").containsExactly(key(1, t));
        assertThat(mailIds()).as("mails").containsExactly(EmailComposer.messageId(key(1, t)));
        assertThat(watermarks().get(STREAM)).hasValue(t + OTHERS);
    }

    @Test
    void aVersionEverySinkFailsWithIsTriedOncePerPollThoughTheAnswerRepeatsItAfterACheckpoint() throws Exception {
        webhookAnswers(serverError());
        stubSecurityEvents(answer(1_500));

        poll(STREAM);

        // One try and the sink's two redeliveries (pta.sink.max-redeliveries), not three for each of its copies.
        assertThat(webhookRequests()).as("webhook calls while it fails").hasSize(3);
        assertThat(watermarks().get(STREAM)).as("below the version the webhook owes").hasValue(t - 1);

        webhookWorks();
        poll(STREAM);

        assertThat(webhookKeysAccepted()).containsExactly(key(1, t));
        assertThat(webhookRequests()).as("webhook calls in all").hasSize(4);
        assertThat(watermarks().get(STREAM)).hasValue(t + 1_500);
    }

    /**
     * A high event (every sink), {@code others} low ones (file only, here), the high one again, two of the low ones
     * again, and the high one a third time.
     */
    private String answer(int others) {
        String high = high(1, t).toString();
        StringBuilder answer = new StringBuilder(others * 400).append('[').append(high);
        for (int n = 1; n <= others; n++) {
            answer.append(',').append(low(n));
        }
        answer.append(',').append(high).append(',').append(low(1)).append(',').append(low(others / 2))
                .append(',').append(high);
        return answer.append(']').toString();
    }

    private String low(int n) {
        return Events.security(Events.id(1_000_000 + n), "VaultViaIrregularIp", 10.0, t + n).toString();
    }

    private List<String> others(int others) {
        return java.util.stream.IntStream.rangeClosed(1, others).mapToObj(n -> key(1_000_000 + n, t + n)).toList();
    }
}
