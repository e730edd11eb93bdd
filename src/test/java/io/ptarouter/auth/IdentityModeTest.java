package io.ptarouter.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.ptarouter.state.Watermarks;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * Identity (Privilege Cloud) mode: OAuth2 client credentials against the tenant's token URL, the
 * access token sent as {@code Bearer}, renewed {@code renew-before} ahead of {@code expires_in}.
 */
class IdentityModeTest extends RouterTestSupport {
    private static final String TOKEN_PATH = "/oauth2/platformtoken";
    private static final String CLIENT_ID = "pta-router@cyberark.cloud.1234";
    // '&', '+', '=' and '%' must survive the form encoding
    private static final String CLIENT_SECRET = "Cl1ent&Secret+x=y%z";
    private static final String STREAM = "security-events";

    @Override
    protected Map<String, String> settings() {
        return Map.of(
                "pta.auth.mode", "identity",
                "pta.auth.identity.token-url", PVWA.baseUrl() + TOKEN_PATH,
                "pta.auth.identity.client-id", CLIENT_ID,
                "pta.auth.identity.client-secret", CLIENT_SECRET,
                "pta.auth.identity.renew-before", "60s");
    }

    private static String tokenAnswer(String accessToken) {
        return "{\"access_token\":\"" + accessToken + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}";
    }

    private static List<LoggedRequest> tokenRequests() {
        return PVWA.findAll(postRequestedFor(urlPathEqualTo(TOKEN_PATH)));
    }

    private static List<String> authorizationOfEventRequests() {
        return eventRequests().stream().map(r -> r.getHeader("Authorization")).toList();
    }

    @Test
    void clientCredentialsAreSentAsAFormAndTheAccessTokenAsBearer() throws Exception {
        PVWA.stubFor(post(urlPathEqualTo(TOKEN_PATH)).willReturn(okJson(tokenAnswer("at-1"))));
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, NOW.toEpochMilli())));

        poll(STREAM);

        PVWA.verify(1, postRequestedFor(urlPathEqualTo(TOKEN_PATH))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withFormParam("grant_type", equalTo("client_credentials"))
                .withFormParam("client_id", equalTo(CLIENT_ID))
                .withFormParam("client_secret", equalTo(CLIENT_SECRET)));
        assertThat(authorizationOfEventRequests()).containsExactly("Bearer at-1");
        assertThat(logonRequests()).as("no PVWA logon in identity mode").isEmpty();
        assertThat(fileEnvelopes(STREAM)).hasSize(1);
    }

    @Test
    void tokenIsReusedUntilRenewBeforeExpiryThenANewOneIsRequested() throws Exception {
        PVWA.stubFor(post(urlPathEqualTo(TOKEN_PATH)).inScenario("tokens").whenScenarioStateIs(STARTED)
                .willReturn(okJson(tokenAnswer("at-1"))).willSetStateTo("second"));
        PVWA.stubFor(post(urlPathEqualTo(TOKEN_PATH)).inScenario("tokens").whenScenarioStateIs("second")
                .willReturn(okJson(tokenAnswer("at-2"))));
        stubSecurityEvents("[]");

        poll(STREAM);
        clock.advance(Duration.ofSeconds(3539)); // 1 s before expires_in - renew-before
        poll(STREAM);

        assertThat(tokenRequests()).hasSize(1);
        assertThat(authorizationOfEventRequests()).containsExactly("Bearer at-1", "Bearer at-1");

        clock.advance(Duration.ofSeconds(2)); // 3541 s after the token was issued
        poll(STREAM);

        assertThat(tokenRequests()).hasSize(2);
        assertThat(authorizationOfEventRequests()).containsExactly("Bearer at-1", "Bearer at-1", "Bearer at-2");
    }

    @Test
    void refusedClientFailsThePollWithALogonExceptionNamingTheClientButNotTheSecret() throws Exception {
        PVWA.stubFor(post(urlPathEqualTo(TOKEN_PATH)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}")));
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, NOW.toEpochMilli())));

        poll(STREAM);

        assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(LogonException.class, e -> {
            assertThat(e.getMessage()).contains(CLIENT_ID).contains("invalid_client").doesNotContain(CLIENT_SECRET);
            assertThat(e.credentialsRejected()).isTrue();
        });
        assertThat(eventRequests()).isEmpty();
        assertThat(fileEnvelopes(STREAM)).isEmpty();
        assertThat(context.getRegistry().lookupByNameAndType("ptaWatermarks", Watermarks.class).get(STREAM)).isEmpty();

        TokenProvider tokens = context.getRegistry().lookupByNameAndType("ptaTokens", TokenProvider.class);
        assertThatThrownBy(tokens::authorization).isInstanceOf(LogonException.class)
                .hasMessageContaining(CLIENT_ID)
                .message().doesNotContain(CLIENT_SECRET);
        assertThat(tokenRequests()).as("a refused client is not retried at once").hasSize(1);
    }
}
