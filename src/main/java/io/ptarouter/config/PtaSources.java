package io.ptarouter.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BiFunction;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.StartupListener;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.PropertiesComponent;
import org.quartz.CronExpression;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.update.EventUpdates;

/**
 * One instance of a source Kamelet (its template bean, kamelets/pta-*-source.kamelet.yaml): the Kamelet's
 * parameters, and, for the first instance in a CamelContext that pta-router's own configuration did not set
 * up (a host's), the beans the sources share, built from those parameters over the pta.* settings, and
 * nothing of the sinks. The PVWA session, transport and delivery state are one per CamelContext: a second
 * instance must name the same PVWA and account, and each stream can be polled by one instance only.
 */
public final class PtaSources implements CamelContextAware, Processor {

    /** Bound by the sources' configuration: its presence says the context has them. */
    static final String MARKER = "ptaPolls";
    /** What the shared PVWA session was built for, and which streams are polled: one per CamelContext. */
    static final String INSTANCES = "ptaSourceInstances";

    /** Kamelet parameter to the pta.* setting it stands for; the first instance's values build the shared beans. */
    private static final Map<String, String> SETTINGS = Map.ofEntries(
            Map.entry("baseUrl", "pta.base-url"), Map.entry("authMode", "pta.auth.mode"),
            Map.entry("authMethod", "pta.auth.method"), Map.entry("username", "pta.auth.username"),
            Map.entry("password", "pta.auth.password"), Map.entry("identityTokenUrl", "pta.auth.identity.token-url"),
            Map.entry("clientId", "pta.auth.identity.client-id"), Map.entry("clientSecret", "pta.auth.identity.client-secret"),
            Map.entry("allowPlainHttp", "pta.http.allow-plain-http"), Map.entry("tlsVerify", "pta.tls.verify"),
            Map.entry("tlsCaFile", "pta.tls.ca-file"), Map.entry("truststore", "pta.tls.truststore"),
            Map.entry("truststorePassword", "pta.tls.truststore-password"),
            Map.entry("initialLookback", "pta.security-events.initial-lookback"));

    private CamelContext context;
    private String kamelet = "pta-security-events-source";
    private String stream = "security-events";
    private String cron;
    private boolean enabled = true;
    private Optional<String> dataDirectory = Optional.empty();
    /** pta.* key to the value this instance was given (blank values left out: the setting applies). */
    private final Map<String, String> given = new LinkedHashMap<>();

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    public void setStream(String stream) {
        this.stream = stream;
        this.kamelet = "pta-" + stream + "-source";
    }

    /** The update sink's instance: it polls no stream. */
    public void setKamelet(String kamelet) {
        this.kamelet = kamelet;
        this.stream = null;
    }

    public void setCron(String cron) {
        // as camel-quartz reads it: a + in an endpoint URI's cron stands for a space
        this.cron = cron.replace('+', ' ');
    }

    public void setEnabled(String enabled) {
        this.enabled = !"false".equalsIgnoreCase(enabled.trim());
    }

    public void setDataDirectory(String directory) {
        dataDirectory = Optional.of(directory.trim()).filter(d -> !d.isEmpty());
    }

    public void setBaseUrl(String value) {
        give("baseUrl", value);
    }

    public void setAuthMode(String value) {
        give("authMode", value);
    }

    public void setAuthMethod(String value) {
        give("authMethod", value);
    }

    public void setUsername(String value) {
        give("username", value);
    }

    public void setPassword(String value) {
        give("password", value);
    }

    public void setIdentityTokenUrl(String value) {
        give("identityTokenUrl", value);
    }

    public void setClientId(String value) {
        give("clientId", value);
    }

    public void setClientSecret(String value) {
        give("clientSecret", value);
    }

    public void setAllowPlainHttp(String value) {
        give("allowPlainHttp", value);
    }

    public void setTlsVerify(String value) {
        give("tlsVerify", value);
    }

    public void setTlsCaFile(String value) {
        give("tlsCaFile", value);
    }

    public void setTruststore(String value) {
        give("truststore", value);
    }

    public void setTruststorePassword(String value) {
        give("truststorePassword", value);
    }

    public void setInitialLookback(String value) {
        give("initialLookback", value);
    }

    private void give(String parameter, String value) {
        if (value != null && !value.isBlank()) {
            given.put(SETTINGS.get(parameter), value);
        }
    }

    /** The template bean's init method: runs as the Kamelet's route is made, before any of its steps looks a bean up. */
    public void start() {
        synchronized (context) {
            try {
                Settings settings = settings();
                Instances instances = context.getRegistry().lookupByNameAndType(INSTANCES, Instances.class);
                if (instances == null) {
                    addDefaults(context);
                    dataDirectory.ifPresent(this::useDataDirectory);
                    given.computeIfPresent("pta.base-url", (key, url) -> {
                        // pta-call's endpoint reads the address as a property: the one the session was built for
                        if (!context.getPropertiesComponent().resolveProperty(key).equals(Optional.of(url))) {
                            context.getPropertiesComponent().addOverrideProperty(key, url);
                        }
                        return url;
                    });
                    instances = new PtaRouterConfiguration().configureSources(context, settings);
                    startSharedRoutesWithTheContext();
                }
                if (stream != null) {
                    instances.add(kamelet, stream, enabled, settings, context);
                } else {
                    if (given.containsKey("pta.base-url")) {
                        instances.samePvwa(settings);
                    }
                    if (context.getRegistry().lookupByName("ptaEventUpdates") == null) {
                        context.getRegistry().bind("ptaEventUpdates", new EventUpdates(new ObjectMapper()));
                    }
                }
            } catch (InvalidConfigurationException e) {
                throw named(e);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new RuntimeCamelException(e);
            }
        }
    }

    /** This instance's parameters over the CamelContext's properties (and pta-router's defaults). */
    private Settings settings() {
        PropertiesComponent properties = context.getPropertiesComponent();
        Map<String, String> values = new LinkedHashMap<>(given);
        if (stream != null) {
            if (cron != null && !cron.isBlank()) {
                values.put("pta." + stream + ".cron", cron);
            }
            values.put("pta." + stream + ".enabled", Boolean.toString(enabled));
        }
        return new Settings(key -> values.containsKey(key) ? Optional.of(values.get(key)) : properties.resolveProperty(key));
    }

    /** An error names the Kamelet's parameter the host wrote, with the setting it stands for. */
    private InvalidConfigurationException named(InvalidConfigurationException e) {
        java.util.regex.Matcher error = java.util.regex.Pattern.compile("Invalid configuration '([^']*)': (.*)", java.util.regex.Pattern.DOTALL)
                .matcher(e.getMessage());
        if (!error.matches()) {
            return e;
        }
        String key = error.group(1);
        Map<String, String> settings = new LinkedHashMap<>(SETTINGS);
        if (stream != null) {
            settings.put("cron", "pta." + stream + ".cron");
        }
        String parameter = settings.entrySet().stream()
                .filter(p -> p.getValue().equals(key) && (given.containsKey(key) || p.getKey().equals("cron")))
                .map(Map.Entry::getKey).findFirst().orElse(null);
        String named = parameter != null ? "kamelet:" + kamelet + " parameter " + parameter + " (" + key + ")"
                : key.startsWith("pta.") ? key + " (kamelet:" + kamelet + ")" : "kamelet:" + kamelet + " parameter " + key;
        InvalidConfigurationException renamed = new InvalidConfigurationException(named, error.group(2));
        renamed.setStackTrace(e.getStackTrace());
        return renamed;
    }

    private void useDataDirectory(String directory) {
        PropertiesComponent properties = context.getPropertiesComponent();
        properties.addOverrideProperty("pta.state.jdbc-url", "jdbc:h2:file:" + directory + "/state/pta-router");
        properties.addOverrideProperty("pta.delivery.dead-letter-directory", directory + "/dead-letter");
        properties.addOverrideProperty("pta.sink.rejected.directory", directory + "/rejected");
    }

    /**
     * The Kamelet's route is being made after the context made the routes it had: the shared routes
     * (kamelets/shared/) are made once the context starts, as making a route now would drop the Kamelet's parameters.
     */
    private void startSharedRoutesWithTheContext() throws Exception {
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarting(CamelContext started, boolean alreadyStarted) throws Exception {
                List<RouteDefinition> shared = ((ModelCamelContext) context).getRouteDefinitions().stream()
                        .filter(route -> PtaRouterConfiguration.SHARED_ROUTES.contains(route.getRouteId()))
                        .filter(route -> context.getRoute(route.getRouteId()) == null).toList();
                ((ModelCamelContext) context).startRouteDefinitions(shared);
            }

            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
            }
        });
    }

    /**
     * pta-router's own application.properties (the one in its jar, not a host's of the same name) gives the
     * pta.* settings a host did not set their defaults, as the lowest-priority properties.
     */
    private static void addDefaults(CamelContext context) throws IOException {
        URL jar = PtaSources.class.getProtectionDomain().getCodeSource().getLocation();
        Enumeration<URL> files = PtaSources.class.getClassLoader().getResources("application.properties");
        while (files.hasMoreElements()) {
            URL file = files.nextElement();
            String location = file.toString();
            if (location.startsWith(jar.toString()) || location.startsWith("jar:" + jar)) {
                Properties defaults = new Properties();
                try (InputStream in = file.openStream()) {
                    defaults.load(in);
                }
                PropertiesComponent properties = context.getPropertiesComponent();
                defaults.stringPropertyNames().stream().filter(key -> key.startsWith("pta."))
                        .filter(key -> properties.resolveProperty(key).isEmpty())
                        .forEach(key -> properties.addInitialProperty(key, defaults.getProperty(key)));
                return;
            }
        }
    }

    /** A poll's first step: everything was built when the route was. */
    @Override
    public void process(Exchange exchange) {
        // nothing to do
    }

    /**
     * The PVWA and account the shared session was built for, and the stream each instance polls. A second
     * PVWA in one CamelContext would silently poll the first one's: it fails start-up instead.
     */
    static final class Instances {

        private final String pvwa;
        private final Map<String, String> pollers = new LinkedHashMap<>();
        private final BiFunction<String, CronExpression, HealthCheck> watch;

        Instances(Settings settings, BiFunction<String, CronExpression, HealthCheck> watch) {
            this.pvwa = pvwa(settings);
            this.watch = watch;
        }

        private static String pvwa(Settings settings) {
            String mode = settings.string("pta.auth.mode", "pvwa");
            String account = mode.equals("identity") ? settings.string("pta.auth.identity.client-id", "")
                    : settings.string("pta.auth.username", "");
            return settings.required("pta.base-url").replaceAll("/+$", "") + " (" + mode + " account '" + account + "')";
        }

        /** A stream the app's own configuration polls: its readiness was set up from the pta.* settings. */
        void polledByTheApp(String stream) {
            pollers.put(stream, "");
        }

        void samePvwa(Settings settings) {
            String wanted = pvwa(settings);
            if (!wanted.equals(pvwa)) {
                throw new InvalidConfigurationException("baseUrl", "this CamelContext's PTA session is for " + pvwa
                        + ", not " + wanted + ": pta-router keeps one PVWA session and delivery state per CamelContext; "
                        + "reach a second PVWA from a CamelContext of its own");
            }
        }

        void add(String kamelet, String stream, boolean enabled, Settings settings, CamelContext context) {
            samePvwa(settings);
            String other = pollers.get(stream);
            if (other != null && !other.isEmpty()) {
                throw new InvalidConfigurationException("kamelet:" + kamelet, "the " + stream + " stream is polled by "
                        + other + " already: one instance per stream and CamelContext (they would share one watermark)");
            }
            if (other == null && enabled) {
                HealthCheck readiness = watch.apply(stream, PtaRouterConfiguration.cron(settings, "pta." + stream + ".cron"));
                // The health check registry may have taken the registry's checks already (an earlier Kamelet's route);
                // it registers no check of an id it finds bound, so it is told first.
                Optional.ofNullable(HealthCheckRegistry.get(context)).ifPresent(checks -> checks.register(readiness));
                context.getRegistry().bind(readiness.getId(), readiness);
            }
            pollers.put(stream, other == null ? "the route of kamelet:" + kamelet : other);
        }
    }
}
