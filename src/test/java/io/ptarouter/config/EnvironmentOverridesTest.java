package io.ptarouter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.reliability.AppProcess;

/**
 * Every key of application.properties, Camel's and pta-router's, takes the value of its environment variable
 * (upper case, '.' and '-' as '_'), as the file's first line and the README promise.
 */
class EnvironmentOverridesTest {

    /** Values Camel can bind where a key takes one of a few words. */
    private static final Map<String, String> CHOICES = Map.of(
            "camel.main.routes-include-pattern", "file:src/test/*.camel.yaml",
            "camel.main.uuid-generator", "simple",
            "camel.main.jmx-management-statistics-level", "Extended",
            // its value in the file is a placeholder ({{pta.updates.http.enabled}}), not a boolean to flip
            "camel.server.enabled", "true");

    @TempDir
    Path data;

    @Test
    void everyKeyOfApplicationPropertiesTakesItsEnvironmentVariable() throws Exception {
        Properties defaults = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"), StandardCharsets.UTF_8)) {
            defaults.load(in);
        }
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> environment = new HashMap<>();
        for (String key : defaults.stringPropertyNames()) {
            String value = otherThan(key, defaults.getProperty(key));
            expected.put(key, value);
            environment.put(EnvironmentOverrides.variableName(key), value);
        }

        AppProcess probe = AppProcess.start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), EnvironmentProbe.class.getName()),
                Path.of("").toAbsolutePath(), data.resolve("probe.log"), environment, "PTA_", "CAMEL_");
        probe.awaitExit(Duration.ofSeconds(60), "probing");

        Map<String, String> seen = new TreeMap<>();
        for (String line : Files.readAllLines(probe.log(), StandardCharsets.UTF_8)) {
            if (line.startsWith("probe ")) {
                // Camel's enum options read back in upper case (EXTENDED).
                seen.put(line.substring(6, line.indexOf('=')), line.substring(line.indexOf('=') + 1).toLowerCase(Locale.ROOT));
            }
        }
        expected.replaceAll((key, value) -> value.toLowerCase(Locale.ROOT));
        assertThat(seen).as("the probe's output:%n%s", probe.tail(40)).isEqualTo(expected);
    }

    /** A value for the key that differs from its default and that Camel can bind. */
    private static String otherThan(String key, String value) {
        if (CHOICES.containsKey(key)) {
            return CHOICES.get(key);
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.toString(!Boolean.parseBoolean(value));
        }
        if (value.matches("\\d{1,9}")) {
            return Integer.toString(Integer.parseInt(value) + 1);
        }
        return key.startsWith("camel.") ? value + "-from-environment" : "from " + EnvironmentOverrides.variableName(key);
    }
}
