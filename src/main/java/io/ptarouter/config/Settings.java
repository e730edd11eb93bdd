package io.ptarouter.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

/**
 * Typed, validated access to pta-router's settings. Every problem is reported as an
 * {@link InvalidConfigurationException} that names the key, so a bad value fails start-up with a
 * message the operator can act on instead of a stack trace from deep inside a component.
 */
public final class Settings {

    /** Milliseconds, or amounts with units in the order d, h, m, s, ms: 500ms, 30s, 1h30m. */
    private static final Pattern DURATION = Pattern.compile("\\d+|(?=\\d)(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?(\\d+ms)?");

    private final Function<String, Optional<String>> source;

    public Settings(Function<String, Optional<String>> source) {
        this.source = source;
    }

    public static Settings of(PropertiesComponent properties) {
        return new Settings(properties::resolveProperty);
    }

    /** A value that may be empty; blank counts as absent. */
    public Optional<String> optional(String key) {
        return source.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String required(String key) {
        return optional(key).orElseThrow(() -> new InvalidConfigurationException(key, "a value is required"));
    }

    public String string(String key, String defaultValue) {
        return optional(key).orElse(defaultValue);
    }

    /** A secret: returned as is (not trimmed) and never echoed in an error. */
    public String secret(String key) {
        return source.apply(key).filter(v -> !v.isEmpty()).orElse("");
    }

    public boolean bool(String key, boolean defaultValue) {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidConfigurationException(key, "expected true or false, got '" + value.get() + "'");
        };
    }

    public int integer(String key, int defaultValue, int min, int max) {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.get());
            if (parsed < min || parsed > max) {
                throw new InvalidConfigurationException(key,
                        "expected a whole number from " + min + " to " + max + ", got " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(key, "expected a whole number, got '" + value.get() + "'");
        }
    }

    public double number(String key, double defaultValue, double min, double max) {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            double parsed = Double.parseDouble(value.get());
            if (!(parsed >= min && parsed <= max)) {
                throw new InvalidConfigurationException(key,
                        "expected a number from " + min + " to " + max + ", got " + value.get());
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(key, "expected a number, got '" + value.get() + "'");
        }
    }

    /** A duration such as {@code 30s}, {@code 5m}, {@code 24h} or {@code 1500} (milliseconds). */
    public Duration duration(String key, Duration defaultValue) {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            // TimeUtils reads what it does not understand ("10x", "-5s") as 0, which is "no timeout" to an HTTP client.
            if (DURATION.matcher(value.get()).matches()) {
                return Duration.ofMillis(TimeUtils.toMilliSeconds(value.get()));
            }
        } catch (IllegalArgumentException e) {
            // too large: reported below
        }
        throw new InvalidConfigurationException(key,
                "expected a duration such as 30s, 5m or 24h, got '" + value.get() + "'");
    }

    /** One of a fixed set of words, compared without regard to case; returns the allowed spelling. */
    public String oneOf(String key, String defaultValue, String... allowed) {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        return Arrays.stream(allowed)
                .filter(a -> a.equalsIgnoreCase(value.get()))
                .findFirst()
                .orElseThrow(() -> new InvalidConfigurationException(key,
                        "expected one of " + String.join(", ", allowed) + ", got '" + value.get() + "'"));
    }

    /** A comma-separated list; blank entries are dropped. */
    public List<String> list(String key) {
        return optional(key)
                .map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
                .orElse(List.of());
    }
}
