package io.ptarouter.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Set;

/**
 * The forked JVM of one variant at one size: {@code warmup} runs whose figures are discarded (the JIT compiles the
 * hot paths), then {@code runs} measured runs, each with fresh state (a new CamelContext, an empty folder and
 * journal) against the same answer. Each run appends one line to the results file:
 * {@code variant size run warm delivered events nanos heapUsed heapAfterGc rss note}.
 * Usage: {@code VariantRunner <variant> <peer-info> <events> <work> <warmup> <runs> <results>}.
 */
public final class VariantRunner {

    static final String[] VARIANTS = {"ceiling", "naive", "camel-floor", "file", "jms", "webhook", "email", "syslog", "all", "jms-ceiling", "jms-ceiling-async"};

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int events = Integer.parseInt(args[2]);
        Target target = Target.read(Path.of(args[1]), events);
        Path work = Path.of(args[3]);
        int warmup = Integer.parseInt(args[4]);
        int runs = Integer.parseInt(args[5]);
        Path results = Path.of(args[6]);
        Variant variant = variant(name);
        for (int run = 0; run < warmup + runs; run++) {
            boolean warm = run < warmup;
            Path dir = work.resolve(name + "-" + run);
            System.gc();
            Variant.Outcome outcome;
            HeapWatch.Peaks peaks;
            try (HeapWatch watch = new HeapWatch()) {
                outcome = variant.run(target, dir);
                peaks = watch.peaks();
            }
            delete(dir);
            String line = String.format(Locale.ROOT, "%s\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s%n", name, events, run,
                    warm ? "warmup" : "measured", outcome.delivered(), outcome.events(), outcome.nanos(),
                    peaks.heapUsed(), peaks.heapAfterGc(), peaks.rss(), outcome.note());
            Files.writeString(results, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            System.out.printf(Locale.ROOT, "%s N=%d run %d%s: %d delivered in %.2f s = %.0f/s; heap %d MB (after GC %d MB),"
                            + " RSS %d MB; %s%n", name, events, run, warm ? " (warm-up)" : "", outcome.delivered(),
                    outcome.nanos() / 1e9, outcome.delivered() / (outcome.nanos() / 1e9), peaks.heapUsed() >> 20,
                    peaks.heapAfterGc() >> 20, peaks.rss() >> 20, outcome.note());
        }
        System.exit(0); // broker, Quartz or HTTP client threads must not keep the fork alive
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
