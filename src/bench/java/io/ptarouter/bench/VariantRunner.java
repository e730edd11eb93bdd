package io.ptarouter.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;

/**
 * The forked JVM of one variant at one size: warm-up runs whose figures are discarded (the JIT compiles the
 * hot paths), then {@code runs} measured runs, each with fresh state (a new CamelContext, an empty folder and
 * journal) against the same answer. {@code warmup} is a number of warm-up runs, or {@code auto}: warm-up runs until
 * three in a row differ by at most {@code tolerance} percent in CPU time per event (steady state: the JIT is done;
 * unlike the wall clock, other processes on the machine hardly move it), {@code max} runs and {@code minutes} at most.
 * Each run appends one line to the results file:
 * {@code variant size run warm delivered events nanos heapUsed heapAfterGc rss cpuNanos note}.
 * Usage: {@code VariantRunner <variant> <peer-info> <events> <work> <warmup|auto> <runs> <results> [<tolerance> <max> <minutes>]}.
 */
public final class VariantRunner {

    static final String[] VARIANTS = {"ceiling", "naive", "camel-floor", "file", "jms", "webhook", "email", "syslog", "all", "jms-ceiling", "jms-camel-floor", "jms-ceiling-async"};

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int events = Integer.parseInt(args[2]);
        Fork fork = new Fork(variant(name), name, Target.read(Path.of(args[1]), events), events, Path.of(args[3]),
                Path.of(args[6]));
        int warmups;
        if (args[4].equals("auto")) {
            warmups = fork.warmUpToSteadyState(Double.parseDouble(args[7]) / 100, Integer.parseInt(args[8]),
                    Duration.ofMinutes(Long.parseLong(args[9])));
        } else {
            warmups = Integer.parseInt(args[4]);
            for (int run = 0; run < warmups; run++) {
                fork.run(run, true);
            }
        }
        for (int run = warmups; run < warmups + Integer.parseInt(args[5]); run++) {
            fork.run(run, false);
        }
        System.exit(0); // broker, Quartz or HTTP client threads must not keep the fork alive
    }

    /** Warm-up runs in a row whose CPU per event must agree for --warmup auto. */
    static final int STEADY_RUNS = 3;

    private record Fork(Variant variant, String name, Target target, int events, Path work, Path results) {

        /**
         * Warm-up runs until the last {@link #STEADY_RUNS} cost within {@code tolerance} of each other, within the caps;
         * returns how many ran. Two close runs in a row were seen to happen by chance while the JIT was still at work.
         */
        int warmUpToSteadyState(double tolerance, int max, Duration budget) throws Exception {
            long deadline = System.nanoTime() + budget.toNanos();
            ArrayDeque<Double> last = new ArrayDeque<>();
            int run = 0;
            while (run < max && System.nanoTime() < deadline) {
                last.addLast(run(run, true));
                run++;
                if (last.size() > STEADY_RUNS) {
                    last.removeFirst();
                }
                double highest = Collections.max(last);
                if (last.size() == STEADY_RUNS && highest - Collections.min(last) <= tolerance * highest) {
                    System.out.printf(Locale.ROOT, "%s N=%d: steady after %d warm-up runs (the last %d within %.0f%%"
                            + " in CPU per event)%n", name, events, run, STEADY_RUNS, tolerance * 100);
                    return run;
                }
            }
            System.out.printf(Locale.ROOT, "%s N=%d: not steady after %d warm-up runs (the last %d not within %.0f%%;"
                    + " %d runs or %d min at most); measuring anyway%n", name, events, run, STEADY_RUNS, tolerance * 100,
                    max, budget.toMinutes());
            return run;
        }

        /** One run, appended to the results file; returns its CPU time per event (its wall time where CPU time is unknown). */
        double run(int run, boolean warm) throws Exception {
            Path dir = work.resolve(name + "-" + run);
            System.gc();
            Variant.Outcome outcome;
            HeapWatch.Peaks peaks;
            try (HeapWatch watch = new HeapWatch()) {
                outcome = variant.run(target, dir);
                peaks = watch.peaks();
            }
            delete(dir);
            String line = String.format(Locale.ROOT, "%s\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s%n", name, events,
                    run, warm ? "warmup" : "measured", outcome.delivered(), outcome.events(), outcome.nanos(),
                    peaks.heapUsed(), peaks.heapAfterGc(), peaks.rss(), outcome.cpuNanos(), outcome.note());
            Files.writeString(results, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            double rate = outcome.delivered() / (outcome.nanos() / 1e9);
            System.out.printf(Locale.ROOT, "%s N=%d run %d%s: %d delivered in %.2f s = %.0f/s, CPU %.1f us per event;"
                            + " heap %d MB (after GC %d MB), RSS %d MB; %s%n", name, events, run, warm ? " (warm-up)" : "",
                    outcome.delivered(), outcome.nanos() / 1e9, rate, outcome.cpuNanos() / 1e3 / outcome.delivered(),
                    peaks.heapUsed() >> 20, peaks.heapAfterGc() >> 20, peaks.rss() >> 20, outcome.note());
            return (outcome.cpuNanos() >= 0 ? outcome.cpuNanos() : outcome.nanos()) / (double) Math.max(1, outcome.delivered());
        }
    }

    static Variant variant(String name) {
        return switch (name) {
            case "ceiling" -> new CeilingVariant();
            case "naive" -> new NaiveCamelVariant();
            case "camel-floor" -> new CamelFloorVariant();
            case "file" -> new PtaRouterVariant(Set.of("file"), "file");
            case "jms" -> new PtaRouterVariant(Set.of("jms"), "jms");
            case "webhook" -> new PtaRouterVariant(Set.of("webhook"), "webhook");
            case "email" -> new PtaRouterVariant(Set.of("email"), "email");
            case "syslog" -> new PtaRouterVariant(Set.of("syslog"), "syslog");
            case "all" -> new PtaRouterVariant(Set.of("file", "jms", "webhook", "email"), "file");
            case "jms-ceiling" -> new JmsCeilingVariant(1000);
            case "jms-ceiling-async" -> new JmsCeilingVariant(0);
            case "jms-camel-floor" -> new JmsCamelFloorVariant();
            default -> throw new IllegalArgumentException("unknown variant " + name + "; known: " + String.join(", ", VARIANTS));
        };
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
