package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.simulator.ServedAnswer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulator's live changes and its record of what each answer held, which the crash loop's assertions rest on. */
class LiveSimulatorTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private PtaSimulator simulator;

    @AfterEach
    void stop() {
        if (simulator != null) {
            simulator.close();
        }
    }

    @Test
    void eachAnswerIsRecordedWithItsSessionItsLowerBoundAndEveryVersionItHeld() throws Exception {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO)
                .withSecurityEvents(5).withRiskEvents(3).withServedAnswersRecorded());
        String first = logon();
        String second = logon();

        JsonNode all = get("/PasswordVault/API/pta/API/Events/", first);
        simulator.tick();
        JsonNode changed = get("/PasswordVault/API/pta/API/Events/?fromUpdateDate=123", second);
        get("/PasswordVault/API/pta/API/Risks/RisksEvents/?page=0&size=10", second);

        List<ServedAnswer> answers = simulator.servedAnswers();
        assertThat(answers).extracting(ServedAnswer::session).containsExactly(1, 2, 2);
        assertThat(answers).extracting(ServedAnswer::stream)
                .containsExactly(ServedAnswer.SECURITY_EVENTS, ServedAnswer.SECURITY_EVENTS, ServedAnswer.RISK_EVENTS);
        assertThat(answers).extracting(ServedAnswer::since).containsExactly(null, 123L, null);
        assertThat(answers).allMatch(ServedAnswer::complete);
        assertThat(answers.get(0).request()).isLessThan(answers.get(1).request());
        assertThat(versionsOf(answers.get(0))).isEqualTo(versionsOf(all));
        assertThat(versionsOf(answers.get(1))).isEqualTo(versionsOf(changed)).hasSize(6);
        assertThat(answers.get(2).events()).hasSizeBetween(1, 3);
        assertThat(answers.get(0).events()).allSatisfy(event -> assertThat(event.type()).isNotBlank());

        Map<String, Long> before = versionsOf(all);
        Map<String, Long> current = simulator.securityEventVersions();
        String updated = before.keySet().stream()
                .filter(id -> !current.get(id).equals(before.get(id))).findFirst().orElseThrow();
        assertThat(simulator.servedVersions(ServedAnswer.SECURITY_EVENTS).get(updated))
                .containsExactly(before.get(updated), current.get(updated));
    }

    @Test
    void theHistoryKeepsVersionsNoAnswerHeld() {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withSecurityEvents(3)
                .withLiveChanges(Duration.ZERO, 3));

        simulator.tick();
        simulator.tick();

        Map<String, List<Long>> history = simulator.securityEventHistory();
        assertThat(history).hasSize(5);
        assertThat(history.values().stream().mapToInt(List::size).sum()).isEqualTo(3 + 2 * (3 + 1));
        history.forEach((id, versions) -> {
            assertThat(versions).isSorted().doesNotHaveDuplicates();
            assertThat(versions.get(versions.size() - 1)).isEqualTo(simulator.securityEventVersions().get(id));
        });
        assertThat(simulator.servedAnswers()).as("not recorded unless asked").isEmpty();
    }

    @Test
    void liveChangesRunInTheBackgroundUntilPaused() {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withSecurityEvents(3)
                .withLiveChanges(Duration.ofMillis(10), 2));

        await().atMost(Duration.ofSeconds(10)).until(() -> simulator.securityEventCount() >= 8);
        simulator.pauseChanges();
        Map<String, List<Long>> paused = simulator.securityEventHistory();

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> simulator.securityEventHistory().equals(paused));
        simulator.resumeChanges();
        await().atMost(Duration.ofSeconds(10)).until(() -> simulator.securityEventCount() > paused.size());
    }

    private String logon() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(simulator.baseUrl() + "/PasswordVault/API/auth/CyberArk/Logon"))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"pta-reader\",\"password\":\"demo-password\",\"concurrentSession\":true}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body()).asText();
    }

    private JsonNode get(String pathAndQuery, String token) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + pathAndQuery))
                .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static Map<String, Long> versionsOf(JsonNode events) {
        Map<String, Long> versions = new HashMap<>();
        events.forEach(event -> versions.put(event.path("id").asText(), event.path("lastUpdateTime").asLong()));
        return versions;
    }

    private static Map<String, Long> versionsOf(ServedAnswer answer) {
        Map<String, Long> versions = new HashMap<>();
        answer.events().forEach(event -> versions.put(event.id(), event.version()));
        return versions;
    }
}
