package io.ptarouter.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets {@code java -jar pta-router.jar} run from any folder: each {@code file:} folder of
 * {@code camel.main.routes-include-pattern} is read from the working directory when it exists there, else the
 * copy packaged in the jar is read ({@code classpath:}); Camel would otherwise stop with a bare
 * {@code NoSuchFileException: routes}. Says at start-up which copy of the routes and the settings is used.
 */
public final class LocalOrPackagedFiles extends MainListenerSupport {

    static final String ROUTES = "camel.main.routes-include-pattern";

    private static final Logger LOG = LoggerFactory.getLogger(LocalOrPackagedFiles.class);

    private final Path workingDirectory;

    public LocalOrPackagedFiles() {
        this(Path.of("").toAbsolutePath());
    }

    LocalOrPackagedFiles(Path workingDirectory) {
        this.workingDirectory = workingDirectory;
    }

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        // After EnvironmentOverrides, before Camel Main binds camel.main.* and loads the routes.
        PropertiesComponent properties = main.getCamelContext().getPropertiesComponent();
        Path settings = workingDirectory.resolve("application.properties");
        LOG.info(Files.isRegularFile(settings)
                ? "settings: " + settings + ", over the defaults packaged in the jar"
                : "settings: the application.properties packaged in the jar (there is none in " + workingDirectory + ")");
        properties.resolveProperty(ROUTES).ifPresent(pattern -> {
            String resolved = resolve(pattern);
            if (!resolved.equals(pattern)) {
                properties.addOverrideProperty(ROUTES, resolved);
            }
        });
    }

    /** Each {@code file:dir/...} entry whose folder is missing becomes {@code classpath:dir/...}; the rest stay. */
    String resolve(String pattern) {
        List<String> entries = new ArrayList<>();
        for (String entry : pattern.split(",")) {
            String trimmed = entry.trim();
            if (!trimmed.startsWith("file:")) {
                entries.add(trimmed);
                continue;
            }
            String path = trimmed.substring("file:".length());
            int slash = path.lastIndexOf('/');
            Path folder = workingDirectory.resolve(slash < 0 ? "." : path.substring(0, slash));
            if (Files.isDirectory(folder)) {
                LOG.info("routes: {} from the folder {}", path, folder.normalize());
                entries.add(trimmed);
            } else {
                LOG.info("routes: {} packaged in the jar (there is no folder {})", path, folder.normalize());
                entries.add("classpath:" + path);
            }
        }
        return String.join(",", entries);
    }
}
