package io.ptarouter.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.transport.HttpTransport;

/**
 * Self-hosted PVWA logon ({@code POST /PasswordVault/API/auth/{method}/Logon}); the token is sent
 * raw in {@code Authorization}. PVWA gives no lifetime, so a token is kept until PTA refuses it.
 */
public final class PvwaTokenProvider extends CachedTokenProvider {

    private static final Logger LOG = LoggerFactory.getLogger(PvwaTokenProvider.class);

    public enum Method { CyberArk, LDAP, RADIUS, Windows }

    private final String baseUrl;
    private final Method method;
    private final String username;
    private final String password;
    private final boolean concurrentSession;
    private final HttpTransport transport;
    private final ObjectMapper json = new ObjectMapper();

    public PvwaTokenProvider(String baseUrl, Method method, String username, String password,
                             boolean concurrentSession, HttpTransport transport, Duration rejectionBackoff, Clock clock) {
        super(rejectionBackoff, clock);
        this.baseUrl = baseUrl;
        this.method = method;
        this.username = username;
        this.password = password;
        this.concurrentSession = concurrentSession;
        this.transport = transport;
    }

    @Override
    protected Token logon() {
        ObjectNode body = json.createObjectNode()
                .put("username", username)
                .put("password", password)
                .put("concurrentSession", concurrentSession);
        HttpPost post = new HttpPost(baseUrl + "/PasswordVault/API/auth/" + method + "/Logon");
        post.setEntity(new StringEntity(body.toString(), ContentType.APPLICATION_JSON));
        try (CloseableHttpClient client = transport.newClient()) {
            return client.execute(post, response -> {
                String answer = response.getEntity() == null
                        ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                int status = response.getCode();
                if (status == 200) {
                    return new Token(token(answer), null);
                }
                if (PvwaResponses.isRedirect(status)) {
                    throw new LogonException("PVWA logon at " + baseUrl + " " + PvwaResponses.redirect(response, "pta.base-url"),
                            false);
                }
                String problem = "PVWA logon as '" + username + "' (" + method + ") at " + baseUrl + " was refused: "
                                 + PvwaResponses.describe(json, status, answer);
                // 401/403 on logon means the credentials or the method are wrong, not a passing fault.
                throw new LogonException(problem, status == 401 || status == 403);
            });
        } catch (IOException e) {
            throw new LogonException("PVWA logon at " + baseUrl + " failed: " + e.getClass().getSimpleName()
                                     + ": " + PvwaResponses.oneLine(String.valueOf(e.getMessage())), e);
        }
    }

    /** The answer is the token as a bare JSON string; tolerate an unquoted one. */
    private String token(String answer) throws IOException {
        String trimmed = answer.strip();
        if (trimmed.startsWith("\"")) {
            JsonNode node = json.readTree(trimmed);
            trimmed = node.asText();
        }
        if (trimmed.isEmpty() || trimmed.startsWith("{")) {
            throw new LogonException("PVWA logon at " + baseUrl + " answered 200 without a token", false);
        }
        return trimmed;
    }

    @Override
    protected LogoffOutcome logoff(Token token) {
        HttpPost post = new HttpPost(baseUrl + "/PasswordVault/API/Auth/Logoff");
        post.setHeader("Authorization", token.headerValue());
        try (CloseableHttpClient client = transport.newClient()) {
            LogoffOutcome outcome = client.execute(post, response -> {
                EntityUtils.consume(response.getEntity());
                int status = response.getCode();
                return new LogoffOutcome(status >= 200 && status < 300, PvwaResponses.isRedirect(status)
                        ? PvwaResponses.redirect(response, "pta.base-url") : "answered " + status);
            });
            LOG.info("PVWA logoff of '{}' {}", username, outcome.description());
            return outcome;
        } catch (IOException e) {
            String problem = "failed: " + PvwaResponses.oneLine(String.valueOf(e.getMessage()));
            LOG.warn("PVWA logoff of '{}' {}", username, problem);
            return new LogoffOutcome(false, problem);
        }
    }

    @Override
    protected String describe() {
        return "PVWA logon as '" + username + "' (" + method + ")";
    }
}
