package io.ptarouter;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

import io.ptarouter.check.SelfCheck;
import io.ptarouter.config.EnvironmentOverrides;
import io.ptarouter.config.LocalOrPackagedFiles;
import io.ptarouter.config.ManagementPortCheck;

/**
 * Runs pta-router as a standalone Camel Main application; Main finds
 * {@link io.ptarouter.config.PtaRouterConfiguration} by scanning this package. Settings come from
 * {@code application.properties} in the working directory (so they can be edited without a
 * rebuild), falling back to the copy in the jar; environment variables override both. The routes too
 * come from {@code routes/} in the working directory when it is there, else from the jar.
 * {@code check} as the first argument runs {@link SelfCheck} instead: every peer reached, nothing delivered.
 */
public final class App {

    private App() {
    }

    public static void main(String[] args) throws Exception {
        boolean check = args.length > 0 && args[0].equals("check");
        if (check && System.getProperty("pta-router.log-level") == null) {
            System.setProperty("pta-router.log-level", "WARN"); // read by log4j2.properties, before the first log line
        }
        Main main = new Main(App.class);
        main.setDefaultPropertyPlaceholderLocation(
                "file:application.properties;optional=true,classpath:application.properties;optional=true");
        main.addMainListener(new EnvironmentOverrides());
        main.addMainListener(new LocalOrPackagedFiles());
        main.addMainListener(new ManagementPortCheck());
        if (check) {
            System.exit(new SelfCheck(main, System.out).run());
        }
        int status;
        try {
            status = main.run(args);
        } catch (Exception e) {
            // Without this, the broker's and the demo's threads would keep a failed start alive.
            LoggerFactory.getLogger(App.class).error("pta-router did not start: {}", e.getMessage());
            status = 1;
        }
        System.exit(status);
    }
}
