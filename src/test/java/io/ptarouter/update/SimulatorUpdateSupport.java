package io.ptarouter.update;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.fasterxml.jackson.databind.JsonNode;

import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.testing.RouterTestSupport;

/** The app's routes and the update sink against the PTA simulator over loopback HTTP, its clock the real one. */
abstract class SimulatorUpdateSupport extends RouterTestSupport {

    protected static PtaSimulator simulator;

    {
        // The simulator stamps events with the real clock; the poll must not see them as from the future.
        clock.advance(Duration.between(NOW, Instant.now()));
    }

    @BeforeAll
    static void startSimulator() {
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO)
                .withCredentials("pta-reader", PASSWORD).withSecurityEvents(10).withRiskEvents(10));
    }

    @AfterAll
    static void stopSimulator() {
        simulator.close();
    }

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("pta.base-url", simulator.baseUrl());
        s.put("pta.sink.email.enabled", "false");
        s.put("pta.sink.webhook.enabled", "false");
        s.put("pta.http.retry-delay", "10ms");
        s.put("pta.http.max-retry-delay", "50ms");
        return s;
    }

    /** The request through the Kamelet, as a host route would send it. */
    protected Exchange update(String json) {
        return template.request("kamelet:pta-event-update-sink", e -> e.getMessage().setBody(json));
    }

    protected static int status(Exchange answer) {
        return answer.getMessage().getHeader(EventUpdates.STATUS, Integer.class);
    }

    protected static JsonNode body(Exchange answer) throws Exception {
        return JSON.readTree(answer.getMessage().getBody(String.class));
    }

    /** Any security event id the simulator has. */
    protected static String someSecurityEventId() {
        return simulator.securityEventVersions().keySet().iterator().next();
    }

    protected static long patchCalls() {
        return simulator.requestLog().stream().filter(line -> line.startsWith("PATCH ")).count();
    }
}
