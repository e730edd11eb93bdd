package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import io.ptarouter.config.InvalidConfigurationException;
import io.ptarouter.testing.CefParser;
import io.ptarouter.testing.Events;

/** The CEF record of one event as a strict parser reads it: escaping, severity, type ids, names. */
class CefRecordsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOSTILE = "a|b\\c=d\ne\rf suser=evil cs2=forged\\\\= \\|x\tend";

    private final CefRecords records = new CefRecords(new CefRecords.Settings("13.0",
            Map.of("SuspectedCredentialsTheft", 1), 99,
            CefRecords.parseSeverityFrom("k", java.util.List.of("10", "20", "30", "40", "50", "60", "70", "80", "90")),
            5, "https://pvwa.example/PasswordVault/v10/pta/events?id={id}"));

    @Test
    void hostileContentInEveryFieldStaysInItsFieldAndForgesNoKey() throws Exception {
        ObjectNode event = Events.security(Events.id(7), "Type|With\\Pipes\nAnd=Lines", 55.5, 1_700_000_000_000L);
        ObjectNode audit = (ObjectNode) event.path("audits").path(0);
        audit.put("vaultUser", HOSTILE);
        audit.putObject("source").put("mOriginalAddress", HOSTILE).putObject("mResolvedAddress").put("mFqdn", HOSTILE);
        ((ObjectNode) audit.path("account")).put("accountAsStr", HOSTILE).putObject("mTarget").put("mAddress", HOSTILE);
        event.putObject("additionalData").put("reason", HOSTILE);

        CefParser.Cef cef = CefParser.parse(records.format(new CefRecords.Event("security-events", event, 55.5, true, 42)));

        assertThat(cef.name()).isEqualTo("Type|With\\Pipes And=Lines"); // no line break in a prefix field: a space
        assertThat(cef.eventClassId()).isEqualTo("99");
        String asSent = HOSTILE.replace('\t', ' '); // a tab has no CEF escape and receivers rewrite it
        assertThat(cef.extension()).containsEntry("suser", asSent).containsEntry("shost", asSent)
                .containsEntry("src", asSent).containsEntry("duser", asSent).containsEntry("dhost", asSent)
                .containsEntry("dst", "None").containsEntry("cs2", Events.id(7))
                .containsEntry("cs1", JSON.createObjectNode().put("reason", HOSTILE).toString());
        assertThat(cef.extension().keySet()).containsExactly("suser", "shost", "src", "duser", "dhost", "dst",
                "cs1Label", "cs1", "cs2Label", "cs2", "deviceCustomDate1Label", "deviceCustomDate1", "cs3Label", "cs3",
                "cs4Label", "cs4", "cfp1Label", "cfp1", "cn1Label", "cn1", "cs5Label", "cs5", "cs6Label", "cs6");
    }

    @Test
    void scoresMapToSeveritiesOneToTenAndAMissingScoreToTheConfiguredOne() {
        assertThat(records.severity(0.0)).isEqualTo(1);
        assertThat(records.severity(9.99)).isEqualTo(1);
        assertThat(records.severity(10.0)).isEqualTo(2);
        assertThat(records.severity(55.5)).isEqualTo(6);
        assertThat(records.severity(89.9)).isEqualTo(9);
        assertThat(records.severity(90.0)).isEqualTo(10);
        assertThat(records.severity(100.0)).isEqualTo(10);
        assertThat(records.severity(null)).isEqualTo(5);
    }

    @Test
    void typeNamesReadAsPtaNamesThem() {
        assertThat(CefRecords.eventName("SuspectedCredentialsTheft")).isEqualTo("Suspected credentials theft");
        assertThat(CefRecords.eventName("PSMSuspiciousActivity")).isEqualTo("PSM suspicious activity");
        assertThat(CefRecords.eventName("RISK_RISKY_SPN")).isEqualTo("Risky SPN");
        assertThat(CefRecords.eventName("RISK_UNCONSTRAINED_DELEGATION")).isEqualTo("Unconstrained delegation");
    }

    @Test
    void badSettingsNameTheirKey() {
        assertThatThrownBy(() -> CefRecords.parseTypeIds("pta.sink.syslog.event-type-ids", "A:1,B"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("pta.sink.syslog.event-type-ids")
                .hasMessageContaining("'B'");
        assertThatThrownBy(() -> CefRecords.parseSeverityFrom("pta.sink.syslog.severity-from", java.util.List.of("1", "2")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("pta.sink.syslog.severity-from");
    }

    /** The parser the syslog tests rely on refuses what the specification does not allow. */
    @Test
    void theStrictParserRefusesRecordsTheSpecificationForbids() {
        String prefix = "CEF:0|CyberArk|PTA|13.0|1|x|5|";
        assertThat(CefParser.parse(prefix + "suser=a\\=b c cs2=x").extension())
                .containsExactly(Map.entry("suser", "a=b c"), Map.entry("cs2", "x"));
        assertThatThrownBy(() -> CefParser.parse(prefix + "suser=a=b")).hasMessageContaining("unescaped =");
        assertThatThrownBy(() -> CefParser.parse(prefix + "suser=a\\|b")).hasMessageContaining("escape");
        assertThatThrownBy(() -> CefParser.parse(prefix + "suser=a suser=b")).hasMessageContaining("twice");
        assertThatThrownBy(() -> CefParser.parse(prefix + "suser=a\nb")).hasMessageContaining("line break");
        assertThatThrownBy(() -> CefParser.parse("CEF:0|CyberArk|PTA|13.0|1|a\\=b|5|suser=a")).hasMessageContaining("prefix escape");
        assertThatThrownBy(() -> CefParser.parse("CEF:0|CyberArk|PTA|13.0|1|x")).hasMessageContaining("prefix fields");
    }
}
