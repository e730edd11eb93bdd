package io.ptarouter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every setting a route or the code reads is in application.properties with a default and a
 * comment, and docs/configuration.md is the page ConfigurationReference generates from that file.
 */
class ConfigurationReferenceTest {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z][a-z0-9.-]*)}}");
    /** A key read through Settings (metric names such as "pta.events" are not settings). */
    private static final Pattern CODE_KEY = Pattern.compile(
            "(?:optional|required|string|secret|bool|integer|number|duration|oneOf|list|existingFile)\\(\\s*(?:settings,\\s*)?\"(pta\\.[a-z0-9.-]+[a-z0-9])\"");

    /** Parameters of the source Kamelets (kamelets/), not settings. */
    private static final Set<String> TEMPLATE_PARAMETERS = Set.of("job", "cron", "enabled");

    @Test
    void everyPlaceholderInTheRoutesIsASetting() throws IOException {
        Set<String> used = matches(Path.of("routes"), ".camel.yaml", PLACEHOLDER);
        used.addAll(matches(Path.of("kamelets"), ".yaml", PLACEHOLDER));
        used.removeAll(TEMPLATE_PARAMETERS);
        assertThat(used).isNotEmpty();
        assertThat(settings().stringPropertyNames()).containsAll(used);
    }

    @Test
    void everyKeyTheCodeReadsIsASetting() throws IOException {
        Set<String> read = matches(Path.of("src/main/java"), ".java", CODE_KEY);
        assertThat(read).contains("pta.base-url", "pta.auth.password");
        assertThat(settings().stringPropertyNames()).containsAll(read);
    }

    @Test
    void everySettingHasAComment() throws IOException {
        List<String> lines = Files.readAllLines(ConfigurationReference.PROPERTIES);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("pta.")) {
                String key = line.substring(0, line.indexOf('='));
                assertThat(lines.get(i - 1)).as("the line above %s", key).startsWith("#");
            }
        }
    }

    @Test
    void theReferencePageHasARowForEverySetting() throws IOException {
        String page = ConfigurationReference.render(Files.readAllLines(ConfigurationReference.PROPERTIES));
        assertThat(settings().stringPropertyNames()).isNotEmpty().allSatisfy(key ->
                assertThat(page).contains("| `" + key + "` |"));
        assertThat(page).contains("| `pta.auth.password` | (empty) | `PTA_AUTH_PASSWORD` | Its password;");
    }

    @Test
    void theReferencePageIsWhatTheGeneratorWritesFromTheProperties() throws IOException {
        String expected = ConfigurationReference.render(Files.readAllLines(ConfigurationReference.PROPERTIES));
        assertThat(ConfigurationReference.PAGE).as("docs/configuration.md").exists();
        assertThat(Files.readString(ConfigurationReference.PAGE))
                .as("docs/configuration.md is out of date with application.properties; regenerate it with: %s",
                        ConfigurationReference.REGENERATE)
                .isEqualTo(expected);
    }

    private static Properties settings() throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            properties.load(in);
        }
        return properties;
    }

    private static Set<String> matches(Path folder, String suffix, Pattern pattern) throws IOException {
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(suffix)).toList()) {
                Matcher m = pattern.matcher(Files.readString(file));
                while (m.find()) {
                    found.add(m.group(1));
                }
            }
        }
        return found;
    }
}
