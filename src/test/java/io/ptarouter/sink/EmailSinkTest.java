package io.ptarouter.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.config.InvalidConfigurationException;
import io.ptarouter.config.PtaRouterConfiguration;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/** The alert mail: who it is from and to, a subject that says what happened, and a safe HTML body. */
class EmailSinkTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final String FROM = "pta-alerts@router.example.test";

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.email.from", FROM,
                "pta.sink.email.to", "soc@example.test, oncall@example.test");
    }

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
    }

    @Test
    void theMailForAHighEventSaysWhatHappenedInTheSubjectAndHasATextAndAnHtmlPart() throws Exception {
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 87.46, NOW.toEpochMilli())));

        poll(STREAM);

        assertThat(SMTP.getReceivedMessagesForDomain("example.test")).as("one copy per recipient").hasSize(2);
        MimeMessage mail = mails()[0];
        assertThat(mail.getFrom()).extracting(Address::toString).containsExactly(FROM);
        assertThat(mail.getRecipients(MimeMessage.RecipientType.TO)).extracting(Address::toString)
                .containsExactlyInAnyOrder("soc@example.test", "oncall@example.test");
        assertThat(mail.getSubject()).isEqualTo("[PTA high] SuspectedCredentialsTheft, score 87.5, admin@srv-db-07");

        Multipart alternative = alternative(mail);
        assertThat(alternative.getContentType()).startsWith("multipart/alternative");
        List<String> types = new ArrayList<>();
        for (int i = 0; i < alternative.getCount(); i++) {
            types.add(alternative.getBodyPart(i).getContentType().toLowerCase().split(";")[0].trim());
        }
        assertThat(types).containsExactlyInAnyOrder("text/plain", "text/html");
        assertThat(part(alternative, "text/plain")).contains("SuspectedCredentialsTheft").contains("87.5")
                .contains(Events.id(1)).doesNotContain("<html");
        assertThat(part(alternative, "text/html")).contains("<html").contains("SuspectedCredentialsTheft")
                .contains(Events.id(1));
    }

    @Test
    void hostileHtmlInAnEventFieldIsEscapedInTheHtmlPart() throws Exception {
        ObjectNode event = Events.security(Events.id(1), "SuspectedCredentialsTheft", 90.0, NOW.toEpochMilli());
        ((ObjectNode) event.path("audits").path(0).path("account")).put("accountAsStr", "<script>alert(1)</script>");
        event.putObject("additionalData").put("note", "<img src=x onerror=alert(2)>");
        stubSecurityEvents(Events.array(event));

        poll(STREAM);

        assertThat(mails()).isNotEmpty();
        String html = part(alternative(mails()[0]), "text/html");
        assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .contains("&lt;img src=x onerror=alert(2)&gt;")
                .doesNotContain("<script").doesNotContain("<img");
        assertThat(part(alternative(mails()[0]), "text/plain")).contains("<script>alert(1)</script>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pta.sink.email.text-template", "pta.sink.email.html-template"})
    void aTemplateWithAnUnknownPlaceholderFailsConfigurationNamingTheKey(String key) throws Exception {
        Path template = work.resolve("template.txt");
        Files.writeString(template, "Hello ${severity}, ${nope}\n", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> configure(Map.of(key, template.toString())))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining(key)
                .hasMessageContaining("${nope}");
    }

    @Test
    void aSubjectWithAnUnknownPlaceholderFailsConfigurationNamingTheKey() {
        assertThatThrownBy(() -> configure(Map.of("pta.sink.email.subject", "[PTA] ${typ}")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("pta.sink.email.subject")
                .hasMessageContaining("${typ}");
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Builds the beans from application.properties plus {@code overrides}, without a broker or a start. */
    private static void configure(Map<String, String> overrides) throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Properties properties = new Properties();
            properties.put("pta.auth.password", "irrelevant");
            properties.put("pta.sink.jms.enabled", "false");
            properties.put("pta.sink.email.enabled", "true");
            properties.putAll(overrides);
            context.getPropertiesComponent().setLocation("file:application.properties");
            context.getPropertiesComponent().setOverrideProperties(properties);
            new PtaRouterConfiguration().configure(context);
        }
    }

    private static Multipart alternative(Part part) throws Exception {
        Object content = part.getContent();
        if (content instanceof Multipart multipart) {
            if (multipart.getContentType().toLowerCase().startsWith("multipart/alternative")) {
                return multipart;
            }
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                if (child.getContent() instanceof Multipart) {
                    return alternative(child);
                }
            }
        }
        throw new AssertionError("no multipart/alternative in a mail of type " + part.getContentType());
    }

    private static String part(Multipart alternative, String type) throws Exception {
        for (int i = 0; i < alternative.getCount(); i++) {
            BodyPart part = alternative.getBodyPart(i);
            if (part.isMimeType(type)) {
                return part.getContent().toString();
            }
        }
        throw new AssertionError("no " + type + " part");
    }

}
