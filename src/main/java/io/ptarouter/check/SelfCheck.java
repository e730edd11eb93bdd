package io.ptarouter.check;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.main.Main;

import io.ptarouter.config.InvalidConfigurationException;
import io.ptarouter.config.Settings;

/**
 * {@code java -jar pta-router.jar check}: starts pta-router as it would start (the same settings, the same
 * validation, the same beans, the demo's peers if its profile is on) but without a route, so nothing is polled or
 * delivered; then reaches the PVWA, PTA and every enabled sink, prints one line per check and answers 0 when all
 * passed, 1 otherwise.
 */
public final class SelfCheck {

    private final Main main;
    private final PrintStream out;

    public SelfCheck(Main main, PrintStream out) {
        this.main = main;
        this.out = out;
    }

    public int run() {
        // No route: no poll starts. No health server: the running instance may hold its port.
        main.addOverrideProperty("camel.main.routes-collector-enabled", "false");
        main.addOverrideProperty("camel.management.enabled", "false");
        List<CheckResult> results = new ArrayList<>();
        try {
            main.start();
            Settings settings = Settings.of(main.getCamelContext().getPropertiesComponent());
            results.add(CheckResult.ok("settings", "valid" + main.getCamelContext().getPropertiesComponent()
                    .resolveProperty("camel.main.profile").map(p -> ", profile " + p).orElse("")));
            results.addAll(new Probes(main.getCamelContext(), settings).run());
        } catch (Exception e) {
            results.add(startFailure(e));
        } finally {
            main.stop();
        }
        out.println();
        results.forEach(r -> out.println(r.line()));
        long failed = results.stream().filter(r -> !r.ok()).count();
        out.println(failed == 0 ? "pta-router check: all " + results.size() + " checks passed"
                : "pta-router check: " + failed + " of " + results.size() + " checks failed");
        return failed == 0 ? 0 : 1;
    }

    /** Start-up builds the state store too: its failure is the state check's, anything else the settings'. */
    private static CheckResult startFailure(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidConfigurationException) {
                return CheckResult.fail("settings", t.getMessage());
            }
            if (t.getMessage() != null && t.getMessage().startsWith("cannot open the delivery state")) {
                // An embedded H2 file is held by the pta-router that runs from this folder, if one does.
                return CheckResult.fail("state", t.getMessage() + (t.getMessage().contains("locked")
                        ? "; a pta-router running with this state holds it: stop it before the check" : ""));
            }
        }
        return CheckResult.fail("start-up", CheckResult.reason(e));
    }
}
