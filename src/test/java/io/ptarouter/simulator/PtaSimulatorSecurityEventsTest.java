package io.ptarouter.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PtaSimulatorSecurityEventsTest {

    private final PtaSimulator simulator =
            PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
    private final SimulatorClient client = new SimulatorClient(simulator);
    private final String token = client.token();

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void answerIsOneBareJsonArrayOfAllEvents() {
        HttpResponse<String> response = client.get(SimulatorClient.EVENTS, token);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(client.json(response).isArray()).isTrue();
        assertThat(client.json(response)).hasSize(40);
    }

    @Test
    void trailingSlashIsOptional() {
        HttpResponse<String> response = client.get("/PasswordVault/API/pta/API/Events", token);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(client.json(response)).hasSize(40);
    }

    @Test
    void eventsHaveTheFieldsPtaSends() {
        for (JsonNode event : client.events(token, "")) {
            assertThat(event.path("id").asText()).matches("[0-9a-f]{24}");
            assertThat(event.path("type").asText()).isIn(SecurityEventFactory.TYPES);
            assertThat(event.path("createTime").isIntegralNumber()).isTrue();
            assertThat(event.path("lastUpdateTime").asLong()).isGreaterThanOrEqualTo(event.path("createTime").asLong());
            assertThat(event.path("mStatus").asText()).isIn("OPEN", "CLOSED");
            assertThat(event.has("closeReason")).isTrue();
            assertThat(event.has("reasonText")).isTrue();
            assertThat(event.path("additionalData").path("aggregation_count").asInt()).isPositive();
            assertThat(event.path("additionalData").path("station").asText()).isNotBlank();
            assertThat(event.path("audits").size()).isBetween(1, 4);
            for (JsonNode audit : event.path("audits")) {
                assertThat(audit.path("account").path("accountAsStr").asText()).matches("[^@]+@[^@]+");
                assertThat(audit.path("account").path("mTarget").path("mAddress").asText()).isNotBlank();
                assertThat(audit.path("source").path("mOriginalAddress").asText()).isNotBlank();
                assertThat(audit.path("cloudData").isObject()).isTrue();
            }
        }
    }

    @Test
    void allEventTypesOccur() {
        List<String> types = new ArrayList<>();
        client.events(token, "").forEach(event -> types.add(event.path("type").asText()));

        assertThat(types).containsAll(SecurityEventFactory.TYPES);
    }

    @Test
    void eventsAreAboutOneAndAHalfKilobytesEach() {
        HttpResponse<String> response = client.get(SimulatorClient.EVENTS, token);

        assertThat(response.body().length() / 40).isBetween(1_000, 2_500);
    }

    @Test
    void someEventsLackAScoreAndScoresAreNonIntegralFloatsInEveryBand() {
        JsonNode events = client.events(token, "");
        List<Double> scores = new ArrayList<>();
        int withoutScore = 0;
        for (JsonNode event : events) {
            if (event.has("score")) {
                assertThat(event.path("score").isFloatingPointNumber()).isTrue();
                scores.add(event.path("score").asDouble());
            } else {
                withoutScore++;
            }
        }

        assertThat(withoutScore).isBetween(1, 6);
        assertThat(scores).allSatisfy(score -> {
            assertThat(score).isBetween(0.0, 100.0);
            assertThat(score % 1).isNotZero();
        });
        assertThat(scores).anySatisfy(score -> assertThat(score).isLessThan(35.0));
        assertThat(scores).anySatisfy(score -> assertThat(score).isBetween(35.0, 75.0));
        assertThat(scores).anySatisfy(score -> assertThat(score).isGreaterThanOrEqualTo(75.0));
    }

    @Test
    void answerIsNeverSortedOldestFirst() {
        for (int request = 0; request < 5; request++) {
            List<Long> times = new ArrayList<>();
            client.events(token, "").forEach(event -> times.add(event.path("lastUpdateTime").asLong()));

            assertThat(times).isNotEqualTo(times.stream().sorted().toList());
        }
    }

    @Test
    void fromUpdateDateKeepsEventsUpdatedAtOrAfterThatMillisecond() {
        List<Long> times = lastUpdateTimes(client.events(token, "")).stream().sorted().toList();
        long median = times.get(times.size() / 2);

        JsonNode recent = client.events(token, "?fromUpdateDate=" + median);

        assertThat(lastUpdateTimes(recent)).allSatisfy(time -> assertThat(time).isGreaterThanOrEqualTo(median));
        assertThat(recent).hasSize((int) times.stream().filter(time -> time >= median).count());
    }

    @Test
    void fromUpdateDateIsReadAsMillisecondsNotSeconds() {
        long newest = lastUpdateTimes(client.events(token, "")).stream().mapToLong(Long::longValue).max().orElseThrow();

        assertThat(client.events(token, "?fromUpdateDate=" + (newest / 1000))).hasSize(40);
        assertThat(client.events(token, "?fromUpdateDate=" + (newest + 1))).isEmpty();
    }

    @Test
    void legacyLastUpdatedEventDateHeaderFiltersWhenTheQueryParameterIsAbsent() {
        long newest = lastUpdateTimes(client.events(token, "")).stream().mapToLong(Long::longValue).max().orElseThrow();

        HttpResponse<String> response =
                client.get(SimulatorClient.EVENTS, token, "lastUpdatedEventDate", Long.toString(newest));

        assertThat(client.json(response)).isNotEmpty().hasSizeLessThan(40).allSatisfy(
                event -> assertThat(event.path("lastUpdateTime").asLong()).isGreaterThanOrEqualTo(newest));
    }

    @Test
    void statusFilterSelectsOpenOrClosedEventsCaseInsensitively() {
        for (int i = 0; i < 4; i++) {
            simulator.tick();
        }
        JsonNode all = client.events(token, "");
        long open = StreamSupport.stream(all.spliterator(), false)
                .filter(event -> event.path("mStatus").asText().equals("OPEN")).count();

        JsonNode openEvents = client.events(token, "?status=open");
        JsonNode closedEvents = client.events(token, "?status=CLOSED");

        assertThat(openEvents).hasSize((int) open).allSatisfy(
                event -> assertThat(event.path("mStatus").asText()).isEqualTo("OPEN"));
        assertThat(closedEvents).hasSize(all.size() - (int) open).isNotEmpty().allSatisfy(
                event -> assertThat(event.path("mStatus").asText()).isEqualTo("CLOSED"));
    }

    @Test
    void unknownStatusIsABadRequest() {
        assertThat(client.get(SimulatorClient.EVENTS + "?status=pending", token).statusCode()).isEqualTo(400);
        assertThat(client.get(SimulatorClient.EVENTS + "?fromUpdateDate=yesterday", token).statusCode()).isEqualTo(400);
    }

    @Test
    void accountIdFilterSelectsTheEventsOfThatAccount() {
        JsonNode all = client.events(token, "");
        String accountId = all.get(0).path("audits").get(0).path("account").path("accountId").asText();
        long expected = StreamSupport.stream(all.spliterator(), false)
                .filter(event -> accountIdOf(event).equals(accountId)).count();

        JsonNode selected = client.events(token, "?accountID=" + accountId);

        assertThat(selected).hasSize((int) expected).allSatisfy(
                event -> assertThat(accountIdOf(event)).isEqualTo(accountId));
        assertThat(selected.size()).isLessThan(all.size());
    }

    @Test
    void tickUpdatesOneExistingEventInPlaceAndAddsANewOne() {
        Map<String, JsonNode> before = byId(client.events(token, ""));
        long newestBefore = before.values().stream()
                .mapToLong(event -> event.path("lastUpdateTime").asLong()).max().orElseThrow();

        simulator.tick();

        Map<String, JsonNode> after = byId(client.events(token, ""));
        assertThat(after).hasSize(before.size() + 1).containsKeys(before.keySet().toArray(String[]::new));
        List<String> updated = before.keySet().stream()
                .filter(id -> after.get(id).path("lastUpdateTime").asLong() != before.get(id).path("lastUpdateTime").asLong())
                .toList();
        assertThat(updated).hasSize(1);
        JsonNode old = before.get(updated.get(0));
        JsonNode now = after.get(updated.get(0));
        assertThat(now.path("lastUpdateTime").asLong()).isGreaterThan(newestBefore);
        assertThat(now.path("createTime").asLong()).isEqualTo(old.path("createTime").asLong());
        assertThat(now.path("audits").size()).isEqualTo(old.path("audits").size() + 1);
        assertThat(now.path("additionalData").path("aggregation_count").asInt())
                .isEqualTo(old.path("additionalData").path("aggregation_count").asInt() + 1);

        JsonNode changed = client.events(token, "?fromUpdateDate=" + (newestBefore + 1));
        assertThat(byId(changed).keySet()).hasSize(2).contains(updated.get(0));
    }

    @Test
    void everyFourthUpdateClosesTheUpdatedEventAsHandled() {
        String fourthUpdated = null;
        for (int i = 0; i < 4; i++) {
            Map<String, Long> before = simulator.securityEventVersions();
            simulator.tick();
            Map<String, Long> after = simulator.securityEventVersions();
            fourthUpdated = before.keySet().stream()
                    .filter(id -> !after.get(id).equals(before.get(id))).findFirst().orElseThrow();
        }

        JsonNode event = byId(client.events(token, "")).get(fourthUpdated);

        assertThat(event.path("mStatus").asText()).isEqualTo("CLOSED");
        assertThat(event.path("closeReason").asText()).isEqualTo("HANDLED");
    }

    @Test
    void patchClosesAnEventAndCountsAsAnUpdate() {
        JsonNode open = client.events(token, "?status=open").get(0);
        String id = open.path("id").asText();

        HttpResponse<String> response = client.patch(SimulatorClient.EVENTS + id, token,
                "{\"mStatus\":\"CLOSED\",\"closeReason\":\"NOTREAL\",\"reasonText\":\"test\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode closed = byId(client.events(token, "")).get(id);
        assertThat(closed.path("mStatus").asText()).isEqualTo("CLOSED");
        assertThat(closed.path("closeReason").asText()).isEqualTo("NOTREAL");
        assertThat(closed.path("lastUpdateTime").asLong()).isGreaterThan(open.path("lastUpdateTime").asLong());
        assertThat(client.patch(SimulatorClient.EVENTS + "0123456789abcdef01234567", token,
                "{\"mStatus\":\"CLOSED\"}").statusCode()).isEqualTo(404);
        assertThat(client.patch(SimulatorClient.EVENTS + id, token, "{\"closeReason\":\"BORED\"}").statusCode())
                .isEqualTo(400);
    }

    @Test
    void aPatchPtaWouldRefuseIsRefusedInPtasErrorShapeAndChangesNothing() {
        String id = client.events(token, "").get(0).path("id").asText();
        long version = simulator.securityEventVersions().get(id);

        HttpResponse<String> noStatus = client.patch(SimulatorClient.EVENTS + id, token, "{\"closeReason\":\"HANDLED\"}");
        HttpResponse<String> longReason = client.patch(SimulatorClient.EVENTS + id, token,
                "{\"mStatus\":\"CLOSED\",\"reasonText\":\"" + "x".repeat(101) + "\"}");
        HttpResponse<String> badToken = client.patch(SimulatorClient.EVENTS + id, "expired", "{\"mStatus\":\"CLOSED\"}");

        assertThat(noStatus.statusCode()).isEqualTo(400);
        assertThat(client.json(noStatus).path("ErrorCode").asText()).isEqualTo("PASWS167E");
        assertThat(client.json(noStatus).path("ErrorMessage").asText()).contains("mStatus is required");
        assertThat(longReason.statusCode()).isEqualTo(400);
        assertThat(client.json(longReason).path("ErrorMessage").asText()).contains("reasonText must be at most 100 characters");
        assertThat(badToken.statusCode()).isEqualTo(401);
        assertThat(client.json(badToken).path("ErrorCode").asText()).isEqualTo("PASWS006E");
        assertThat(simulator.securityEventVersions().get(id)).isEqualTo(version);
    }

    @Test
    void largeAnswersAreStreamedChunked() {
        try (PtaSimulator large = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withChangeInterval(Duration.ZERO)
                .withSecurityEvents(20_000))) {
            SimulatorClient largeClient = new SimulatorClient(large);

            HttpResponse<String> response = largeClient.get(SimulatorClient.EVENTS, largeClient.token());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Length")).isEmpty();
            assertThat(largeClient.json(response)).hasSize(20_000);
        }
    }

    @Test
    void theSameSeedGivesTheSameEvents() {
        try (PtaSimulator twin = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
             PtaSimulator other = PtaSimulator.start(PtaSimulator.Options.defaults()
                     .withChangeInterval(Duration.ZERO).withSeed(7))) {
            simulator.tick();
            twin.tick();

            assertThat(twin.securityEventVersions().keySet()).isEqualTo(simulator.securityEventVersions().keySet());
            assertThat(other.securityEventVersions().keySet())
                    .doesNotContainAnyElementsOf(simulator.securityEventVersions().keySet());
        }
    }

    private static String accountIdOf(JsonNode event) {
        return event.path("audits").get(0).path("account").path("accountId").asText();
    }

    private static List<Long> lastUpdateTimes(JsonNode events) {
        List<Long> times = new ArrayList<>();
        events.forEach(event -> times.add(event.path("lastUpdateTime").asLong()));
        return times;
    }

    private static Map<String, JsonNode> byId(JsonNode events) {
        Map<String, JsonNode> byId = new HashMap<>();
        events.forEach(event -> byId.put(event.path("id").asText(), event));
        return byId;
    }
}
