package io.ptarouter.config;

import java.util.Locale;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.PluginHelper;

/**
 * A child JVM for {@link EnvironmentOverridesTest}: Camel Main configured as {@link io.ptarouter.App} configures it,
 * which prints, for every key of application.properties, the value it ended up with (Camel's options read back
 * from what they were bound to, pta-router's keys as the routes and beans resolve them), then exits.
 */
public final class EnvironmentProbe {

    private EnvironmentProbe() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main(); // no package scan: pta-router's beans are not built, only its settings read
        main.setDefaultPropertyPlaceholderLocation("file:application.properties");
        main.addMainListener(new EnvironmentOverrides());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport configured) {
                CamelContext context = configured.getCamelContext();
                PropertiesComponent properties = context.getPropertiesComponent();
                Properties keys = properties.loadProperties();
                for (String key : keys.stringPropertyNames()) {
                    System.out.println("probe " + key + "=" + (key.startsWith("camel.")
                            ? bound(configured, context, key) : properties.resolveProperty(key).orElse(null)));
                }
                System.out.flush();
                Runtime.getRuntime().halt(0); // before anything starts
            }
        });
        main.run(args);
    }

    /** The option a camel.* key set, read back from the object Camel Main bound it to. */
    private static Object bound(BaseMainSupport main, CamelContext context, String key) {
        String[] parts = key.split("\\.");
        Object target = switch (parts[1]) {
            case "main" -> main.configure();
            case "management" -> main.configure().httpManagementServer();
            case "server" -> main.configure().httpServer();
            case "metrics" -> main.configure().metrics();
            case "component" -> context.getComponent(parts[2]);
            default -> throw new IllegalArgumentException("no target known for " + key);
        };
        String option = parts[parts.length - 1].replace("-", "").toLowerCase(Locale.ROOT);
        return PluginHelper.getBeanIntrospection(context).getOrElseProperty(target, option, null, true);
    }
}
