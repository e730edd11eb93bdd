package io.ptarouter.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.entity.UrlEncodedFormEntity;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.message.BasicNameValuePair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.transport.HttpTransport;

/**
 * OAuth2 client credentials against a CyberArk Identity tenant
 * ({@code POST https://<tenant>.id.cyberark.cloud/oauth2/platformtoken}); the token is sent as
 * {@code Bearer} and renewed a margin before {@code expires_in} (3600 s when absent).
 */
public final class IdentityTokenProvider extends CachedTokenProvider {

    private static final long DEFAULT_EXPIRES_IN = 3600;

    private final String tokenUrl;
    private final String clientId;
    private final String clientSecret;
    private final Duration renewBefore;
    private final HttpTransport transport;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public IdentityTokenProvider(String tokenUrl, String clientId, String clientSecret, Duration renewBefore,
                                 HttpTransport transport, Duration rejectionBackoff, Clock clock) {
        super(rejectionBackoff, clock);
        this.tokenUrl = tokenUrl;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.renewBefore = renewBefore;
        this.transport = transport;
        this.clock = clock;
    }

    @Override
    protected Token logon() {
        HttpPost post = new HttpPost(tokenUrl);
        post.setEntity(new UrlEncodedFormEntity(List.of(
                new BasicNameValuePair("grant_type", "client_credentials"),
                new BasicNameValuePair("client_id", clientId),
                new BasicNameValuePair("client_secret", clientSecret)), StandardCharsets.UTF_8));
        Instant requested = clock.instant();
        try (CloseableHttpClient client = transport.newClient()) {
            return client.execute(post, response -> {
                String answer = response.getEntity() == null
                        ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                int status = response.getCode();
                if (PvwaResponses.isRedirect(status)) {
                    throw new LogonException("Identity token request for client '" + clientId + "' at " + tokenUrl + " "
                                             + PvwaResponses.redirect(response, "pta.auth.identity.token-url"), false);
                }
                if (status != 200) {
                    throw new LogonException("Identity token request for client '" + clientId + "' at " + tokenUrl
                                             + " was refused: " + PvwaResponses.describe(json, status, answer),
                            status == 400 || status == 401 || status == 403);
                }
                JsonNode token = json.readTree(answer);
                String accessToken = token.path("access_token").asText("");
                if (accessToken.isEmpty()) {
                    throw new LogonException("Identity token answer from " + tokenUrl + " has no access_token", false);
                }
                long expiresIn = token.path("expires_in").asLong(DEFAULT_EXPIRES_IN);
                Instant renewAt = requested.plusSeconds(expiresIn).minus(renewBefore);
                return new Token("Bearer " + accessToken, renewAt);
            });
        } catch (IOException e) {
            throw new LogonException("Identity token request to " + tokenUrl + " failed: " + e.getClass().getSimpleName()
                                     + ": " + PvwaResponses.oneLine(String.valueOf(e.getMessage())), e);
        }
    }

    @Override
    protected String describe() {
        return "Identity token request for client '" + clientId + "'";
    }
}
