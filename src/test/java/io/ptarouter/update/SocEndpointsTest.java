package io.ptarouter.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.Message;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.ptarouter.testing.LogCapture;

/**
 * The two ways in for a SOC, POST /pta/updates and the JMS request queue, with the app's routes, Camel's HTTP server
 * on loopback as Camel Main starts it (camel.server.*), the embedded broker and the PTA simulator; and the whole loop:
 * an event closed through the endpoint comes back from the next poll as an update.
 */
class SocEndpointsTest extends SimulatorUpdateSupport {

    private static final String UPDATE_TOKEN = "soar-token-0123456789abcdef";

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private final int port = freePort();
    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = super.settings();
        s.put("pta.updates.http.enabled", "true");
        s.put("pta.updates.http.token", UPDATE_TOKEN);
        s.put("pta.updates.jms.enabled", "true");
        return s;
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        // What Camel Main does with camel.server.enabled/host/port.
        MainHttpServer server = new MainHttpServer();
        server.setCamelContext(context);
        server.setHost("127.0.0.1");
        server.setPort(port);
        server.setMaxBodySize(65536L);
        context.addService(server);
        return context;
    }

    @Test
    void aRequestWithoutOrWithAWrongTokenIsRefused401WithoutDetail() throws Exception {
        String request = "{\"id\":\"" + someSecurityEventId() + "\",\"status\":\"CLOSED\"}";
        long patches = patchCalls();

        HttpResponse<String> none = post(request, null);
        HttpResponse<String> wrong = post(request, "Bearer " + UPDATE_TOKEN + "x");
        HttpResponse<String> basic = post(request, "Basic " + UPDATE_TOKEN);

        for (HttpResponse<String> response : List.of(none, wrong, basic)) {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(response.body()).path("ErrorMessage").asText()).isEqualTo("Unauthorized");
        }
        assertThat(patchCalls()).isEqualTo(patches);
        assertThat(logs.text()).contains("refused: no or wrong bearer token").doesNotContain(UPDATE_TOKEN);
    }

    @Test
    void aValidRequestIsAnsweredWithPtasStatusAndAnswerAndLoggedInOneLine() throws Exception {
        String id = someSecurityEventId();

        HttpResponse<String> response = post("{\"id\":\"" + id + "\",\"status\":\"CLOSED\",\"closeReason\":\"HANDLED\","
                + "\"reasonText\":\"contained\",\"requestedBy\":\"analyst alice\"}", "Bearer " + UPDATE_TOKEN);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode event = JSON.readTree(response.body());
        assertThat(event.path("id").asText()).isEqualTo(id);
        assertThat(event.path("mStatus").asText()).isEqualTo("CLOSED");
        assertThat(logs.text()).containsPattern("event update from http /?127\\.0\\.0\\.1:\\d+ for 'analyst alice': "
                + "security-events " + id + " to CLOSED \\(HANDLED\\) reasonText 'contained': PTA answered 200")
                .doesNotContain(UPDATE_TOKEN);
    }

    @Test
    void invalidRequestsAreAnswered400Or404AndNoRequestTextForgesALogLine() throws Exception {
        HttpResponse<String> unknownStatus = post("{\"id\":\"" + someSecurityEventId() + "\",\"status\":\"DONE\\nINFO forged line\"}",
                "Bearer " + UPDATE_TOKEN);
        HttpResponse<String> noSuchEvent = post("{\"id\":\"0123456789abcdef01234567\",\"status\":\"CLOSED\"}",
                "Bearer " + UPDATE_TOKEN);
        HttpResponse<String> notJson = post("close it please", "Bearer " + UPDATE_TOKEN);

        assertThat(unknownStatus.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unknownStatus.body()).path("ErrorMessage").asText())
                .isEqualTo("unknown status 'DONE\\u000aINFO forged line': expected one of [CLOSED, OPEN]");
        assertThat(noSuchEvent.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(noSuchEvent.body()).path("ErrorCode").asText()).isEqualTo("PASWS404E");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(notJson.body()).path("ErrorMessage").asText()).isEqualTo("the request is not valid JSON");
        assertThat(logs.text()).doesNotContain("\nINFO forged line").contains("\\u000aINFO forged line");
    }

    @Test
    void aJmsRequestWithReplyToGetsPtasAnswerThere() throws Exception {
        String id = someSecurityEventId();
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://0");
             JMSContext jms = factory.createContext()) {
            TemporaryQueue replies = jms.createTemporaryQueue();
            TextMessage request = jms.createTextMessage("{\"id\":\"" + id + "\",\"status\":\"CLOSED\",\"closeReason\":\"OTHER\"}");
            request.setJMSReplyTo(replies);
            request.setJMSCorrelationID("soar-42");
            try (JMSConsumer consumer = jms.createConsumer(replies)) {
                jms.createProducer().send(jms.createQueue("pta.updates"), request);

                Message reply = consumer.receive(20_000);

                assertThat(reply).as("a reply on JMSReplyTo").isInstanceOf(TextMessage.class);
                assertThat(reply.getJMSCorrelationID()).isEqualTo("soar-42");
                assertThat(reply.getIntProperty("ptaUpdateStatus")).isEqualTo(200);
                JsonNode event = JSON.readTree(((TextMessage) reply).getText());
                assertThat(event.path("mStatus").asText()).isEqualTo("CLOSED");
                assertThat(event.path("closeReason").asText()).isEqualTo("OTHER");
            }
        }
        assertThat(logs.text()).containsPattern("event update from jms ID:\\S+: security-events " + id
                + " to CLOSED \\(OTHER\\): PTA answered 200");
    }

    @Test
    void anEventClosedThroughTheEndpointComesBackFromTheNextPollAsAnUpdate() throws Exception {
        poll("security-events");
        List<JsonNode> first = fileEnvelopes("security-events");
        String id = first.stream().filter(e -> e.path("event").path("mStatus").asText().equals("OPEN"))
                .map(e -> e.path("metadata").path("id").asText()).findFirst().orElseThrow();

        HttpResponse<String> response = post("{\"id\":\"" + id + "\",\"status\":\"CLOSED\",\"closeReason\":\"HANDLED\","
                + "\"reasonText\":\"handled in SOAR case 7\"}", "Bearer " + UPDATE_TOKEN);

        assertThat(response.statusCode()).isEqualTo(200);
        long closedVersion = JSON.readTree(response.body()).path("lastUpdateTime").asLong();
        assertThat(simulator.securityEventVersions().get(id)).as("the simulator holds the closed version").isEqualTo(closedVersion);

        poll("security-events");

        List<JsonNode> delivered = fileEnvelopes("security-events").subList(first.size(),
                fileEnvelopes("security-events").size());
        assertThat(delivered).singleElement().satisfies(envelope -> {
            assertThat(envelope.path("metadata").path("id").asText()).isEqualTo(id);
            assertThat(envelope.path("metadata").path("update").asBoolean()).isTrue();
            assertThat(envelope.path("event").path("mStatus").asText()).isEqualTo("CLOSED");
            assertThat(envelope.path("event").path("closeReason").asText()).isEqualTo("HANDLED");
            assertThat(envelope.path("event").path("reasonText").asText()).isEqualTo("handled in SOAR case 7");
            assertThat(envelope.path("event").path("lastUpdateTime").asLong()).isEqualTo(closedVersion);
        });
    }

    private HttpResponse<String> post(String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pta/updates"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Vert.x does not tell the port it bound to 0: a free one, taken back just before the server binds it. */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
