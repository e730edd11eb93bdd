package io.ptarouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP client for the simulator, so tests exercise the wire protocol rather than the classes behind it. */
final class SimulatorClient {

    static final String EVENTS = "/PasswordVault/API/pta/API/Events/";
    static final String RISKS = "/PasswordVault/API/pta/API/Risks/RisksEvents/";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private final String baseUrl;

    SimulatorClient(PtaSimulator simulator) {
        this.baseUrl = simulator.baseUrl();
    }

    HttpResponse<String> logon(String method, String body) {
        return send(request("/PasswordVault/API/auth/" + method + "/Logon")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> logon(String method, String username, String password) {
        return logon(method, "{\"username\":\"" + username + "\",\"password\":\"" + password
                + "\",\"concurrentSession\":true}");
    }

    /** Logs on with the default credentials and strips the quotes, as a client must. */
    String token() {
        HttpResponse<String> response = logon("CyberArk", "pta-reader", "demo-password");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("logon failed: " + response.statusCode() + " " + response.body());
        }
        return json(response).asText();
    }

    HttpResponse<String> logoff(String token) {
        return send(request("/PasswordVault/API/Auth/Logoff").header("Authorization", token)
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    HttpResponse<String> get(String pathAndQuery, String token) {
        HttpRequest.Builder request = request(pathAndQuery).GET();
        if (token != null) {
            request.header("Authorization", token);
        }
        return send(request);
    }

    HttpResponse<String> get(String pathAndQuery, String token, String header, String value) {
        return send(request(pathAndQuery).header("Authorization", token).header(header, value).GET());
    }

    HttpResponse<String> patch(String path, String token, String body) {
        return send(request(path).header("Authorization", token)
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
    }

    /** The security events a GET with this query answers, after checking it answered 200. */
    JsonNode events(String token, String query) {
        HttpResponse<String> response = get(EVENTS + query, token);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("events failed: " + response.statusCode() + " " + response.body());
        }
        return json(response);
    }

    JsonNode json(HttpResponse<String> response) {
        try {
            return mapper.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
