package io.ptarouter.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets an environment variable override every {@code camel.*} key of {@code application.properties}, as it does
 * every {@code pta.*} key: Camel Main 4.18 maps most variables to its options itself, but ignored
 * {@code CAMEL_MANAGEMENT_PORT} and {@code CAMEL_COMPONENT_QUARTZ_INTERRUPT_JOBS_ON_SHUTDOWN} (EnvironmentOverridesTest
 * tries every key). The variable's name is the key in upper case with {@code .} and {@code -} turned into {@code _};
 * a {@code -Dkey=value} wins.
 */
public final class EnvironmentOverrides extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EnvironmentOverrides.class);

    private final Function<String, String> environment;

    public EnvironmentOverrides() {
        this(System.getenv());
    }

    EnvironmentOverrides(Map<String, String> environment) {
        this.environment = environment::get;
    }

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        // Runs once the property files are located and before Camel Main binds any camel.* key.
        PropertiesComponent properties = main.getCamelContext().getPropertiesComponent();
        TreeSet<String> applied = new TreeSet<>();
        for (String key : properties.loadProperties(key -> key.startsWith("camel.")).stringPropertyNames()) {
            String variable = variableName(key);
            String value = environment.apply(variable);
            if (value != null && System.getProperty(key) == null) {
                properties.addOverrideProperty(key, value);
                applied.add(key + " (" + variable + ")");
            }
        }
        if (!applied.isEmpty()) {
            // Camel's own summary leaves override properties out; the values stay out of the log (some are secrets).
            LOG.info("Camel settings from environment variables: {}", String.join(", ", applied));
        }
    }

    /** {@code camel.management.port} → {@code CAMEL_MANAGEMENT_PORT}. */
    static String variableName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
