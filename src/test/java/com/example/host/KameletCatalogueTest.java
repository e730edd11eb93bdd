package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Kamelets are written as the Camel catalogue writes them: a title and description, typed properties with
 * a title and description each, defaults of their type, secrets marked as such, a required list of declared
 * properties, and every parameter the template uses declared.
 */
class KameletCatalogueTest {

    private static final Set<String> SECRETS = Set.of("password", "clientSecret", "truststorePassword");

    @ParameterizedTest
    @ValueSource(strings = {"pta-security-events-source", "pta-risk-events-source", "pta-event-update-sink"})
    @SuppressWarnings("unchecked")
    void theKameletFollowsTheCatalogueConventions(String name) throws IOException {
        String text = Files.readString(Path.of("kamelets", name + ".kamelet.yaml"), StandardCharsets.UTF_8);
        Map<String, Object> kamelet = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
        assertThat(((Map<String, Object>) kamelet.get("metadata")).get("name")).isEqualTo(name);
        Map<String, Object> definition = (Map<String, Object>) ((Map<String, Object>) kamelet.get("spec")).get("definition");
        assertThat(definition.get("title")).asString().isNotBlank();
        assertThat(definition.get("description")).asString().isNotBlank();
        Map<String, Map<String, Object>> properties = (Map<String, Map<String, Object>>) definition.get("properties");
        for (Map.Entry<String, Map<String, Object>> property : properties.entrySet()) {
            Map<String, Object> p = property.getValue();
            assertThat(p.get("title")).as(property.getKey() + " title").asString().isNotBlank();
            assertThat(p.get("description")).as(property.getKey() + " description").asString().isNotBlank();
            assertThat(p.get("type")).as(property.getKey() + " type").isIn("string", "boolean", "integer");
            if (p.containsKey("default")) {
                Object value = p.get("default");
                assertThat(value).as(property.getKey() + " default").isInstanceOf(switch ((String) p.get("type")) {
                    case "boolean" -> Boolean.class;
                    case "integer" -> Integer.class;
                    default -> String.class;
                });
            }
            if (SECRETS.contains(property.getKey())) {
                assertThat(p.get("format")).as(property.getKey() + " is a secret").isEqualTo("password");
                assertThat((List<String>) p.get("x-descriptors")).as(property.getKey() + " descriptors")
                        .contains("urn:camel:group:credentials", "urn:alm:descriptor:com.tectonic.ui:password");
            } else {
                assertThat(p).as(property.getKey() + " is not a secret").doesNotContainKey("format");
            }
        }
        List<String> required = (List<String>) definition.get("required");
        assertThat(required).isNotNull();
        assertThat(properties.keySet()).containsAll(required);
        if (name.endsWith("-source")) {
            assertThat(required).containsExactly("baseUrl");
            assertThat(properties).containsKeys("baseUrl", "authMode", "username", "password", "cron", "tlsVerify",
                    "tlsCaFile", "truststore", "clientSecret");
        }

        // Every {{name}} and {{?name}} in the template is a declared property (or a template bean's name).
        String template = text.substring(text.indexOf("  template:"));
        Set<String> used = new TreeSet<>();
        Matcher placeholder = Pattern.compile("\\{\\{\\??([A-Za-z][A-Za-z0-9]*)}}").matcher(template);
        while (placeholder.find()) {
            used.add(placeholder.group(1));
        }
        used.remove("ptaSource");
        assertThat(properties.keySet()).containsAll(used);
    }
}
