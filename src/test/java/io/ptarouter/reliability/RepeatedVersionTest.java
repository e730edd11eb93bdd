package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ptarouter.sink.EmailComposer;
import io.ptarouter.testing.Events;

/**
 * An answer that repeats one event version thousands of times, among other events, delivers it once
 * per sink: one file line, one JMS message, one webhook call, one mail. A sink that fails with it
 * is not retried once per copy either, and gets it, once, from the next poll.
 */
class RepeatedVersionTest extends ReliabilityTestSupport {

    private static final int COPIES = 20_000;
    /** One other event (low: file and JMS only) after every this many copies. */
    private static final int OTHER_EVERY = 1_000;

    private final long t = NOW.toEpochMilli() - 60_000;
    private final String repeated = key(1, t);

    @BeforeEach
    void pvwa() {
        stubLogon(TOKEN);
        stubSecurityEvents(answer());
    }

    @Test
    void aVersionRepeated20000TimesInOneAnswerIsDeliveredOncePerSink() throws Exception {
        webhookWorks();

        poll(STREAM);

        assertEachSinkHoldsItOnce();
        assertThat(webhookRequests()).as("webhook calls").hasSize(1);
        assertThat(watermarks().get(STREAM)).hasValue(t + COPIES / OTHER_EVERY);
    }

    @Test
    void aSinkThatFailsWithARepeatedVersionIsTriedOnceAndGetsItFromTheNextPoll() throws Exception {
        webhookAnswers(serverError());

        poll(STREAM);

        // One try and the sink's two redeliveries (pta.sink.max-redeliveries), not three per copy.
        assertThat(webhookRequests()).as("webhook calls while it fails").hasSize(3);
        assertThat(watermarks().get(STREAM)).as("below the version the webhook owes").hasValue(t - 1);

        webhookWorks();
        poll(STREAM);

        assertEachSinkHoldsItOnce();
        assertThat(webhookRequests()).as("webhook calls in all").hasSize(4);
        assertThat(watermarks().get(STREAM)).hasValue(t + COPIES / OTHER_EVERY);
    }

    /** File and JMS hold the repeated version once and each other event once; webhook and mail only the repeated one. */
    private void assertEachSinkHoldsItOnce() throws Exception {
        List<String> all = new ArrayList<>(others());
        all.add(repeated);
        assertThat(fileKeys()).as("file lines").containsExactlyInAnyOrderElementsOf(all);
        assertThat(jmsKeys()).as("JMS messages").containsExactlyInAnyOrderElementsOf(all);
        assertThat(webhookKeysAccepted()).as("webhook calls accepted").containsExactly(repeated);
        assertThat(mailIds()).as("mails").containsExactly(EmailComposer.messageId(repeated));
    }

    /** The answer, written out once: a high event 20,000 times, and after every 1,000 copies another event. */
    private String answer() {
        String copy = high(1, t).toString();
        StringBuilder answer = new StringBuilder((copy.length() + 1) * (COPIES + 100)).append('[');
        for (int i = 1; i <= COPIES; i++) {
            answer.append(copy).append(',');
            if (i % OTHER_EVERY == 0) {
                answer.append(Events.security(Events.id(1_000 + i / OTHER_EVERY), "VaultViaIrregularIp", 10.0,
                        t + i / OTHER_EVERY)).append(',');
            }
        }
        answer.setLength(answer.length() - 1);
        return answer.append(']').toString();
    }

    private List<String> others() {
        List<String> keys = new ArrayList<>();
        for (int n = 1; n <= COPIES / OTHER_EVERY; n++) {
            keys.add(key(1_000 + n, t + n));
        }
        return keys;
    }
}
