package io.ptarouter.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PtaSimulatorAuthenticationTest {

    private PtaSimulator simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
    private SimulatorClient client = new SimulatorClient(simulator);

    @AfterEach
    void stop() {
        simulator.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"CyberArk", "LDAP", "RADIUS", "Windows", "cyberark", "ldap"})
    void logonWithEachMethodAnswersTheTokenAsAQuotedJsonString(String method) {
        HttpResponse<String> response = client.logon(method, "pta-reader", "demo-password");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(response.body()).matches("\"[A-Za-z0-9_-]{32,}\"");
        String token = response.body().substring(1, response.body().length() - 1);
        assertThat(client.get(SimulatorClient.EVENTS, token).statusCode()).isEqualTo(200);
        assertThat(simulator.logonCount()).isEqualTo(1);
    }

    @Test
    void wrongPasswordIsRejectedWithPasws013e() {
        HttpResponse<String> response = client.logon("CyberArk", "pta-reader", "not-the-password");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(client.json(response).path("ErrorCode").asText()).isEqualTo("PASWS013E");
        assertThat(client.json(response).path("ErrorMessage").asText())
                .isEqualTo("Authentication failure for User [pta-reader].");
        assertThat(simulator.logonCount()).isZero();
        assertThat(simulator.rejectedLogonCount()).isEqualTo(1);
    }

    @Test
    void unknownLogonMethodIsNotFoundWithAnErrorBody() {
        HttpResponse<String> response = client.logon("SAML", "pta-reader", "demo-password");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(client.json(response).path("ErrorCode").asText()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "[]", "{\"username\":\"pta-reader\"}", "{\"username\":1,\"password\":2}"})
    void malformedLogonBodyIsABadRequest(String body) {
        HttpResponse<String> response = client.logon("CyberArk", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(client.json(response).path("ErrorCode").asText()).isNotBlank();
    }

    @Test
    void ptaCallWithoutTokenIsRejectedWithPasws006e() {
        HttpResponse<String> response = client.get(SimulatorClient.EVENTS, null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(client.json(response).path("ErrorCode").asText()).isEqualTo("PASWS006E");
        assertThat(simulator.rejectedCallCount()).isEqualTo(1);
    }

    @Test
    void ptaCallWithAnUnknownOrBearerPrefixedTokenIsRejected() {
        String token = client.token();

        assertThat(client.get(SimulatorClient.EVENTS, "not-a-token").statusCode()).isEqualTo(401);
        assertThat(client.get(SimulatorClient.EVENTS, "Bearer " + token).statusCode()).isEqualTo(401);
        assertThat(client.get(SimulatorClient.RISKS, "\"" + token + "\"").statusCode()).isEqualTo(401);
        assertThat(simulator.rejectedCallCount()).isEqualTo(3);
    }

    @Test
    void tokenIsRejectedOnceItsLifetimeHasPassed() {
        simulator.close();
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withChangeInterval(Duration.ZERO)
                .withTokenTtl(Duration.ofMillis(1)));
        client = new SimulatorClient(simulator);
        String token = client.token();

        await().atMost(Duration.ofSeconds(5)).until(() -> client.get(SimulatorClient.EVENTS, token).statusCode() == 401);
        assertThat(client.json(client.get(SimulatorClient.EVENTS, token)).path("ErrorCode").asText())
                .isEqualTo("PASWS006E");
    }

    @Test
    void expiringAllTokensEndsEverySessionButAllowsANewLogon() {
        String first = client.token();
        String second = client.token();

        simulator.expireAllTokens();

        assertThat(client.get(SimulatorClient.EVENTS, first).statusCode()).isEqualTo(401);
        assertThat(client.get(SimulatorClient.RISKS, second).statusCode()).isEqualTo(401);
        assertThat(client.get(SimulatorClient.EVENTS, client.token()).statusCode()).isEqualTo(200);
    }

    @Test
    void logoffInvalidatesTheToken() {
        String token = client.token();

        HttpResponse<String> logoff = client.logoff(token);

        assertThat(logoff.statusCode()).isEqualTo(200);
        assertThat(simulator.logoffCount()).isEqualTo(1);
        assertThat(client.get(SimulatorClient.EVENTS, token).statusCode()).isEqualTo(401);
        assertThat(client.logoff(token).statusCode()).isEqualTo(401);
        assertThat(simulator.logoffCount()).isEqualTo(1);
    }

    @Test
    void logonWithoutConcurrentSessionEndsTheUsersEarlierSession() {
        String concurrent = client.token();
        String alsoConcurrent = client.token();
        HttpResponse<String> exclusive =
                client.logon("CyberArk", "{\"username\":\"pta-reader\",\"password\":\"demo-password\"}");
        String exclusiveToken = client.json(exclusive).asText();

        assertThat(client.get(SimulatorClient.EVENTS, concurrent).statusCode()).isEqualTo(401);
        assertThat(client.get(SimulatorClient.EVENTS, alsoConcurrent).statusCode()).isEqualTo(401);
        assertThat(client.get(SimulatorClient.EVENTS, exclusiveToken).statusCode()).isEqualTo(200);
    }

    @Test
    void credentialsCanBeConfigured() {
        simulator.close();
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withChangeInterval(Duration.ZERO)
                .withCredentials("svc_pta", "s3cret"));
        client = new SimulatorClient(simulator);

        assertThat(client.logon("LDAP", "svc_pta", "s3cret").statusCode()).isEqualTo(200);
        assertThat(client.logon("LDAP", "pta-reader", "demo-password").statusCode()).isEqualTo(403);
    }
}
