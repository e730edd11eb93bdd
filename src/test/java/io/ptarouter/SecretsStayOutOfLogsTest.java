package io.ptarouter;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * Passwords, session tokens, webhook credentials and a webhook URL's secret path never appear in
 * the log, whatever happens: a refused token and re-logon, a failing webhook, rejected credentials.
 */
class SecretsStayOutOfLogsTest extends RouterTestSupport {

    private static final String SECOND_TOKEN = "second-session-token-777";
    private static final String HOOK_PATH = "/services/T0001/B0002/hook-secret-path-xyz";
    private static final String HOOK_CREDENTIAL = "hook-credential-4711";

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.webhook.url", WEBHOOK.baseUrl() + HOOK_PATH,
                "pta.sink.webhook.headers", "Authorization: Bearer " + HOOK_CREDENTIAL,
                // one failing call is enough to look at its log lines
                "pta.sink.max-redeliveries", "0");
    }

    @Test
    void noSecretIsLoggedThroughReLogonFailingWebhookAndRejectedCredentials() throws Exception {
        PVWA.stubFor(post(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon")).inScenario("logon")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(okJson("\"" + TOKEN + "\"")).willSetStateTo("second"));
        PVWA.stubFor(post(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon")).inScenario("logon")
                .whenScenarioStateIs("second").willReturn(okJson("\"" + SECOND_TOKEN + "\"")).willSetStateTo("refused"));
        PVWA.stubFor(post(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon")).inScenario("logon")
                .whenScenarioStateIs("refused").willReturn(aResponse().withStatus(403).withBody(
                        "{\"ErrorCode\":\"PASWS013E\",\"ErrorMessage\":\"Authentication failure for User [pta-reader].\"}")));
        PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/")).withHeader("Authorization", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(401).withBody("{\"ErrorCode\":\"PASWS006E\",\"ErrorMessage\":\"Session ended\"}")));
        PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/")).withHeader("Authorization", equalTo(SECOND_TOKEN))
                .willReturn(okJson(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 91.0,
                        NOW.toEpochMilli())))));
        WEBHOOK.stubFor(post(urlPathEqualTo(HOOK_PATH)).willReturn(aResponse().withStatus(500)));

        poll("security-events");   // 401, re-logon, delivery; the webhook fails
        assertThat(fileEnvelopes("security-events")).hasSize(1);
        assertThat(webhookRequests()).isEmpty(); // the harness path; the real one is secret
        assertThat(WEBHOOK.getAllServeEvents()).hasSize(1);

        PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/")).withHeader("Authorization", equalTo(SECOND_TOKEN))
                .willReturn(aResponse().withStatus(401)));
        poll("security-events");   // refused again: logon now rejected with PASWS013E
        context.stop();            // logoff

        String text = log.text();
        assertThat(text).contains("PASWS013E").contains("webhook-post did not deliver").contains("HTTP 500");
        assertThat(text).doesNotContain(PASSWORD, TOKEN, SECOND_TOKEN, HOOK_CREDENTIAL, "hook-secret-path-xyz");
    }
}
