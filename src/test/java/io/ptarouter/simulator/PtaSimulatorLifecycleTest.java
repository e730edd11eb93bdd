package io.ptarouter.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PtaSimulatorLifecycleTest {

    @Test
    void baseUrlNamesTheLoopbackAddressAndTheBoundPort() {
        try (PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults())) {
            assertThat(simulator.port()).isPositive();
            assertThat(simulator.baseUrl()).isEqualTo("http://127.0.0.1:" + simulator.port());
        }
    }

    @Test
    void backgroundChangesAddAndUpdateEventsWithoutBeingAsked() {
        try (PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withChangeInterval(Duration.ofMillis(20)))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> simulator.securityEventCount() >= 43);
        }
    }

    @Test
    void noBackgroundChangesWhenTheIntervalIsZero() {
        try (PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withChangeInterval(Duration.ZERO).withSecurityEvents(5).withRiskEvents(3))) {
            SimulatorClient client = new SimulatorClient(simulator);

            assertThat(client.events(client.token(), "")).hasSize(5);
            assertThat(simulator.securityEventCount()).isEqualTo(5);
            assertThat(simulator.riskEventCount()).isEqualTo(3);
        }
    }

    @Test
    void requestLogRecordsMethodPathAndRawQueryInOrder() {
        try (PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withChangeInterval(Duration.ZERO))) {
            SimulatorClient client = new SimulatorClient(simulator);
            String token = client.token();
            client.get(SimulatorClient.EVENTS + "?fromUpdateDate=1&status=open", token);
            client.get(SimulatorClient.RISKS + "?filter=status%20eq%20%22OPEN%22", token);

            assertThat(simulator.requestLog()).containsExactly(
                    "POST /PasswordVault/API/auth/CyberArk/Logon",
                    "GET /PasswordVault/API/pta/API/Events/?fromUpdateDate=1&status=open",
                    "GET /PasswordVault/API/pta/API/Risks/RisksEvents/?filter=status%20eq%20%22OPEN%22");
        }
    }

    @Test
    void unknownPathIsNotFoundWithAnErrorBody() {
        try (PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults())) {
            SimulatorClient client = new SimulatorClient(simulator);

            HttpResponse<String> response = client.get("/PasswordVault/API/Accounts", "whatever");

            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            assertThat(client.json(response).path("ErrorCode").asText()).isNotBlank();
        }
    }

    @Test
    void wrongHttpMethodIsRefused() {
        try (PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults())) {
            SimulatorClient client = new SimulatorClient(simulator);

            assertThat(client.get("/PasswordVault/API/auth/CyberArk/Logon", null).statusCode()).isEqualTo(405);
        }
    }

    @Test
    void closeStopsServingPromptly() {
        PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withChangeInterval(Duration.ofMillis(10)));
        SimulatorClient client = new SimulatorClient(simulator);
        client.token();

        long started = System.nanoTime();
        simulator.close();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThatThrownBy(client::token).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void closingTwiceIsHarmless() {
        PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults());

        simulator.close();
        simulator.close();
    }
}
