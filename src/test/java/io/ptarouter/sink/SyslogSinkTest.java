package io.ptarouter.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.camel.health.HealthCheck;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.testing.CefParser;
import io.ptarouter.testing.CefParser.SyslogCef;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;
import io.ptarouter.testing.Rsyslog;

/**
 * The syslog sink against a real rsyslogd (TCP, TLS, RELP): every record it writes is read back with a
 * strict CEF parser and checked, event by event, against the PTA event that produced it.
 */
class SyslogSinkTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final String[] TYPES = {"SuspectedCredentialsTheft", "VaultViaIrregularIp", "PSMSuspiciousActivity",
                                           "InteractiveLogonWithServiceAccount", "SomeNewDetection"};
    /** The defaults: the one id a public parser shows, and pta.sink.syslog.unknown-event-type-id for the others. */
    private static final Map<String, String> TYPE_IDS = Map.of("SuspectedCredentialsTheft", "1", "VaultViaIrregularIp", "99",
            "PSMSuspiciousActivity", "99", "InteractiveLogonWithServiceAccount", "99", "SomeNewDetection", "99",
            "RISK_RISKY_SPN", "99", "RISK_UNCONSTRAINED_DELEGATION", "99");

    @RegisterExtension
    final LogCapture log = new LogCapture();
    @TempDir
    static Path rsyslogDir;
    private static Rsyslog rsyslog;
    /** Records rsyslog had written before this test began. */
    private int before;
    private final Map<String, JsonNode> sent = new HashMap<>();

    @BeforeAll
    static void startRsyslog() throws Exception {
        rsyslog = Rsyslog.start(rsyslogDir);
    }

    @AfterAll
    static void stopRsyslog() throws Exception {
        rsyslog.close();
    }

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("pta.sink.syslog.enabled", "true");
        s.put("pta.sink.syslog.host", "127.0.0.1");
        s.put("pta.sink.syslog.port", Integer.toString(rsyslog.tcpPort()));
        s.put("pta.sink.syslog.transport", "tcp");
        s.put("pta.sink.syslog.hostname", "pta-router-test");
        s.put("pta.sink.syslog.timeout", "5s");
        s.put("pta.sink.email.enabled", "false");
        s.put("pta.sink.webhook.enabled", "false");
        s.put("pta.sink.jms.enabled", "false");
        // The outage test keeps the receiver down for whole polls: the breaker must not skip the poll after.
        s.put("pta.sink.breaker.minimum-calls", "1000");
        return s;
    }

    @BeforeEach
    void pvwa() throws Exception {
        stubLogon(TOKEN);
        before = rsyslog.received().size();
    }

    @Test
    void overTcpEachSecurityEventIsOneRecordInPtasCefFormat() throws Exception {
        offer(1, 10);

        poll(STREAM);

        checkMapping(awaitRecords(10), CefParser::rfc5424);
    }

    @Test
    void riskEventsAreMappedToo() throws Exception {
        ObjectNode spn = Events.risk("r-spn-1", "RISK_RISKY_SPN", 42.5, NOW.toEpochMilli());
        spn.putObject("service").put("serviceName", "MSSQLSvc/db7.corp.example:1433").put("host", "10.1.2.3");
        ObjectNode delegation = Events.risk("r-deleg-2", "RISK_UNCONSTRAINED_DELEGATION", 91.0, NOW.toEpochMilli() + 1);
        delegation.putObject("service").put("serviceName", "HTTP/web1").put("host", "web1.corp.example");
        sent.put("r-spn-1", spn);
        sent.put("r-deleg-2", delegation);
        PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Risks/RisksEvents/")).willReturn(okJson(
                "{\"entities\":[" + spn + "," + delegation + "],\"totalEntities\":2,\"page\":0,\"size\":100,\"totalPages\":1}")));

        poll("risk-events");

        List<SyslogCef> records = awaitRecords(2).stream().map(CefParser::rfc5424).toList();
        Map<String, CefParser.Cef> byId = records.stream().collect(Collectors.toMap(r -> r.cef().extension().get("cs2"), SyslogCef::cef));
        CefParser.Cef risky = byId.get("r-spn-1");
        assertThat(risky.eventClassId()).isEqualTo(TYPE_IDS.get("RISK_RISKY_SPN"));
        assertThat(risky.name()).isEqualTo("Risky SPN");
        assertThat(risky.severity()).isEqualTo(5);
        assertThat(risky.extension()).containsEntry("duser", "svc-sql").containsEntry("dhost", "10.1.2.3")
                .containsEntry("dst", "10.1.2.3").containsEntry("suser", "None").containsEntry("src", "None")
                .containsEntry("deviceCustomDate1", Long.toString(NOW.toEpochMilli()))
                .containsEntry("cs1", spn.path("service").toString()).containsEntry("cfp1", "42.5")
                .containsEntry("cs6", "risk-events");
        CefParser.Cef deleg = byId.get("r-deleg-2");
        assertThat(deleg.eventClassId()).isEqualTo(TYPE_IDS.get("RISK_UNCONSTRAINED_DELEGATION"));
        assertThat(deleg.name()).isEqualTo("Unconstrained delegation");
        assertThat(deleg.severity()).isEqualTo(10);
        assertThat(deleg.extension()).containsEntry("dhost", "web1.corp.example").containsEntry("dst", "None");
    }

    @Test
    void overTlsWithTheReceiversCaFileAndAsRfc3164() throws Exception {
        restart(Map.of("pta.sink.syslog.transport", "tls", "pta.sink.syslog.port", Integer.toString(rsyslog.tlsPort()),
                "pta.sink.syslog.tls-ca-file", rsyslog.caFile().toString(), "pta.sink.syslog.format", "rfc3164"));
        offer(1, 6);

        poll(STREAM);

        checkMapping(awaitRecords(6), CefParser::rfc3164);
    }

    @Test
    void overTlsAReceiverWhoseCertificateIsNotTrustedGetsNothingAndTheEventsStayOwed() throws Exception {
        // The JVM's CAs do not know rsyslog's self-signed certificate.
        restart(Map.of("pta.sink.syslog.transport", "tls", "pta.sink.syslog.port", Integer.toString(rsyslog.tlsPort())));
        offer(1, 3);

        poll(STREAM);

        assertThat(log.text()).contains("the syslog receiver at 127.0.0.1:" + rsyslog.tlsPort() + " did not take every record")
                .contains("PKIX path");
        restart(Map.of("pta.sink.syslog.transport", "tls", "pta.sink.syslog.port", Integer.toString(rsyslog.tlsPort()),
                "pta.sink.syslog.tls-ca-file", rsyslog.caFile().toString()));
        poll(STREAM);
        List<String> lines = awaitRecords(3);
        assertThat(lines).as("nothing reached rsyslog before its certificate was trusted").hasSize(3);
        checkMapping(lines, CefParser::rfc5424);
    }

    @Test
    void overUdpEachEventIsOneDatagram() throws Exception {
        restart(Map.of("pta.sink.syslog.transport", "udp", "pta.sink.syslog.port", Integer.toString(rsyslog.udpPort())));
        offer(1, 5);

        poll(STREAM);

        checkMapping(awaitRecords(5), CefParser::rfc5424);
    }

    @Test
    void overRelpEachRecordIsAcknowledged() throws Exception {
        restart(Map.of("pta.sink.syslog.transport", "relp", "pta.sink.syslog.port", Integer.toString(rsyslog.relpPort()),
                "pta.sink.syslog.max-in-flight", "4"));
        offer(1, 10);

        poll(STREAM);

        checkMapping(awaitRecords(10), CefParser::rfc5424);
    }

    @Test
    void hostileFieldContentThroughRsyslogStaysInItsFieldAndForgesNoKey() throws Exception {
        String hostile = "x|y\\z=w\nnext line\r suser=evil cs2=000000000000000000000bad cs3Label\\=x \\n é";
        ObjectNode event = rich(1);
        ObjectNode audit = (ObjectNode) event.path("audits").path(0);
        audit.put("vaultUser", hostile);
        ((ObjectNode) audit.path("source")).put("mOriginalAddress", hostile);
        ((ObjectNode) audit.path("account")).put("accountAsStr", hostile);
        // (a line break in the type is refused before any sink: see RejectedEvents)
        event.put("type", "Evil|Type\\Name");
        event.putObject("additionalData").put("reason", hostile);
        sent.put(Events.id(1), event);
        stubSecurityEvents(Events.array(event));

        poll(STREAM);

        List<String> lines = awaitRecords(1);
        CefParser.Cef cef = CefParser.rfc5424(lines.get(0)).cef();
        assertThat(cef.name()).isEqualTo("Evil|Type\\Name");
        assertThat(cef.extension()).containsEntry("suser", hostile).containsEntry("src", hostile)
                .containsEntry("duser", hostile).containsEntry("cs2", Events.id(1))
                .containsEntry("cs1", event.path("additionalData").toString()).containsEntry("cs3Label", "PTAlink");
        assertThat(cef.extension()).doesNotContainKey("evil");
    }

    @Test
    void overRelpAReceiverDownForTwoPollsLosesNothingAndDuplicatesNothing() throws Exception {
        restart(Map.of("pta.sink.syslog.transport", "relp", "pta.sink.syslog.port", Integer.toString(rsyslog.relpPort())));
        outageLosesNothing(true);
    }

    @Test
    void overTcpAReceiverDownForTwoPollsLosesNothing() throws Exception {
        outageLosesNothing(false);
    }

    private void outageLosesNothing(boolean exactlyOnce) throws Exception {
        offer(1, 4);
        poll(STREAM);
        awaitRecords(4);

        rsyslog.stop();
        try {
            offer(1, 8);
            poll(STREAM);
            offer(1, 12);
            poll(STREAM);
        } finally {
            rsyslog.startAgain();
        }
        poll(STREAM);

        List<String> lines = awaitRecords(12);
        Map<String, Long> perEvent = lines.stream().map(l -> CefParser.rfc5424(l).cef().extension().get("cs2"))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(perEvent.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
        if (exactlyOnce) {
            assertThat(perEvent.values()).as("records per event").containsOnly(1L);
            Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> rsyslog.received().size() - before == 12);
        }
        checkMapping(lines.stream().distinct().toList(), CefParser::rfc5424);
    }

    @Test
    void aReceiverDownPastParkAfterIsNotReadyParksTheEventsAndAReplayDeliversThem() throws Exception {
        Path parked = work.resolve("dead-letter/syslog-2026-11-21.ndjson");
        rsyslog.stop();
        try {
            offer(1, 3);
            poll(STREAM);
            clock.advance(Duration.ofMinutes(20)); // past pta.health.max-owed-age (15m)
            HealthCheck check = context.getRegistry().lookupByNameAndType("pta-sink:syslog", HealthCheck.class);
            HealthCheck.Result result = check.call();
            assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(result.getMessage()).hasValueSatisfying(m -> assertThat(m).startsWith("syslog sink: has owed events since"));

            clock.advance(Duration.ofHours(1)); // past pta.delivery.park-after (1h)
            poll(STREAM);
            assertThat(parked).exists();
            assertThat(Files.readAllLines(parked)).hasSize(3);
        } finally {
            rsyslog.startAgain();
        }
        Files.createDirectories(work.resolve("dead-letter/replay"));
        Files.copy(parked, work.resolve("dead-letter/replay").resolve(parked.getFileName()));

        List<String> lines = awaitRecords(3);
        checkMapping(lines, CefParser::rfc5424);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Files.isDirectory(work.resolve("dead-letter/replayed"))
                && Files.list(work.resolve("dead-letter/replayed")).count() == 1);
        assertThat(Files.readAllLines(parked)).as("nothing parked again").hasSize(3);
    }

    // ---- events and checks -------------------------------------------------------------------

    /** PVWA answers events from..to (replacing the earlier answer), each with an audit full of facts. */
    private void offer(int from, int to) {
        List<JsonNode> events = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            ObjectNode event = rich(i);
            sent.put(Events.id(i), event);
            events.add(event);
        }
        stubSecurityEvents(Events.array(events));
    }

    private static ObjectNode rich(int i) {
        long t = NOW.toEpochMilli() - 60_000 + i;
        Double score = i % 7 == 0 ? null : (i * 9.7) % 100;
        ObjectNode event = Events.security(Events.id(i), TYPES[i % TYPES.length], score, t);
        // a third are new events, the others updated since PTA created them
        event.put("createTime", i % 3 == 0 ? t : t - 1000);
        ObjectNode audit = (ObjectNode) event.path("audits").path(0);
        audit.put("vaultUser", "vault-user-" + i);
        audit.putObject("source").put("mOriginalAddress", "192.0.2." + i).putObject("mResolvedAddress")
                .put("mFqdn", "ws-" + i + ".corp.example");
        ((ObjectNode) audit.path("account")).putObject("mTarget").put("mAddress", i % 2 == 0 ? "10.0.0." + i : "srv-" + i);
        event.putObject("additionalData").put("station", "ws-" + i).put("aggregation_count", i);
        return event;
    }

    private List<String> awaitRecords(int count) {
        Awaitility.await("rsyslog wrote " + count + " records").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50)).until(() -> rsyslog.received().size() - before >= count);
        try {
            List<String> all = rsyslog.received();
            return all.subList(before, all.size());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each record against the PTA event that produced it, as the mapping table in docs/syslog.md says. */
    private void checkMapping(List<String> lines, Function<String, SyslogCef> parser) {
        SoftAssertions softly = new SoftAssertions();
        for (String line : lines) {
            SyslogCef record = parser.apply(line);
            CefParser.Cef cef = record.cef();
            Map<String, String> x = cef.extension();
            JsonNode event = sent.get(x.get("cs2"));
            softly.assertThat(event).as("the event with cs2=%s", x.get("cs2")).isNotNull();
            if (event == null) {
                continue;
            }
            String id = event.path("id").asText();
            JsonNode audit = event.path("audits").path(0);
            Double score = event.hasNonNull("score") ? event.path("score").asDouble() : null;
            int severity = score == null ? 5 : Math.min(10, 1 + (int) Math.floor(score / 10));
            softly.assertThat(record.hostname()).as(id).isEqualTo("pta-router-test");
            softly.assertThat(record.pri()).as("%s: local0 with a syslog severity", id).isBetween(128 + 2, 128 + 5);
            softly.assertThat(List.of(cef.version(), cef.vendor(), cef.product(), cef.deviceVersion()))
                    .as(id).containsExactly("0", "CyberArk", "PTA", "13.0");
            softly.assertThat(cef.eventClassId()).as(id).isEqualTo(TYPE_IDS.get(event.path("type").asText()));
            softly.assertThat(cef.name()).as(id).isEqualTo(CefRecords.eventName(event.path("type").asText()));
            softly.assertThat(cef.severity()).as("%s severity for score %s", id, score).isEqualTo(severity);
            softly.assertThat(x.get("suser")).as(id).isEqualTo(audit.path("vaultUser").asText());
            softly.assertThat(x.get("shost")).as(id).isEqualTo(audit.path("source").path("mResolvedAddress").path("mFqdn").asText());
            softly.assertThat(x.get("src")).as(id).isEqualTo(audit.path("source").path("mOriginalAddress").asText());
            softly.assertThat(x.get("duser")).as(id).isEqualTo(audit.path("account").path("accountAsStr").asText());
            String target = audit.path("account").path("mTarget").path("mAddress").asText();
            softly.assertThat(x.get("dhost")).as(id).isEqualTo(target);
            softly.assertThat(x.get("dst")).as(id).isEqualTo(target.startsWith("10.") ? target : "None");
            softly.assertThat(x.get("cs1Label")).isEqualTo("ExtraData");
            softly.assertThat(x.get("cs1")).as(id).isEqualTo(event.path("additionalData").toString());
            softly.assertThat(x.get("cs2Label")).isEqualTo("EventID");
            softly.assertThat(x.get("deviceCustomDate1Label")).isEqualTo("detectionDate");
            softly.assertThat(x.get("deviceCustomDate1")).as(id).isEqualTo(event.path("createTime").asText());
            softly.assertThat(x.get("cs3Label")).isEqualTo("PTAlink");
            softly.assertThat(x.get("cs3")).as(id).isEqualTo(PVWA.baseUrl() + "/PasswordVault/v10/pta/events");
            softly.assertThat(x.get("cs4Label")).isEqualTo("ExternalLink");
            softly.assertThat(x.get("cs4")).isEqualTo("None");
            if (score == null) {
                softly.assertThat(x).as(id).doesNotContainKeys("cfp1", "cfp1Label");
            } else {
                softly.assertThat(x.get("cfp1Label")).isEqualTo("Score");
                softly.assertThat(Double.parseDouble(x.get("cfp1"))).as(id).isEqualTo(score);
            }
            softly.assertThat(x.get("cn1Label")).isEqualTo("Version");
            softly.assertThat(x.get("cn1")).as(id).isEqualTo(event.path("lastUpdateTime").asText());
            softly.assertThat(x.get("cs5Label")).isEqualTo("Update");
            softly.assertThat(x.get("cs5")).as(id)
                    .isEqualTo(Boolean.toString(event.path("lastUpdateTime").asLong() > event.path("createTime").asLong()));
            softly.assertThat(x.get("cs6Label")).isEqualTo("Stream");
            softly.assertThat(x.get("cs6")).as(id).isEqualTo(STREAM);
        }
        softly.assertAll();
    }
}
