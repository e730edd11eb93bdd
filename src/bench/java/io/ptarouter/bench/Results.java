package io.ptarouter.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** The measured runs of runs.tsv reduced to one row per variant and size: medians, peaks, ratios. */
final class Results {

    static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("ceiling", "ceiling: Jackson stream to NDJSON, no Camel"),
            Map.entry("naive", "naive Camel: unmarshal List, split, file"),
            Map.entry("camel-floor", "Camel floor: streamed split, one exchange per event to a buffered file"),
            Map.entry("file", "pta-router, file sink"),
            Map.entry("jms", "pta-router, JMS sink (persistent)"),
            Map.entry("webhook", "pta-router, webhook sink (medium+high only)"),
            Map.entry("email", "pta-router, email sink (high and listed types only)"),
            Map.entry("syslog", "pta-router, syslog sink (CEF over octet-counted TCP)"),
            Map.entry("all", "pta-router, all four sinks"),
            Map.entry("jms-ceiling", "JMS ceiling: Jackson stream to the embedded broker, a commit every 1000, no Camel"),
            Map.entry("jms-ceiling-async", "JMS ceiling, asynchronous sends (1000 in flight), no Camel"),
            Map.entry("jms-camel-floor", "JMS Camel floor: the Camel floor's route sending as the JMS ceiling does"));

    /** {@code cpuPerEvent}: the median of the measured runs' CPU nanoseconds per delivered event, or -1 if not measured. */
    record Row(String variant, int size, String failure, int runs, int warmups, double rate, long delivered, long events,
               long heapUsed, long heapAfterGc, long rss, double cpuPerEvent, String note) {
        boolean ok() {
            return failure == null;
        }
    }

    private record Run(String variant, int size, boolean measured, long delivered, long events, long nanos,
                       long heapUsed, long heapAfterGc, long rss, long cpuNanos, String note) {
        double rate() {
            return delivered / (nanos / 1e9);
        }

        double cpuPerEvent() {
            return cpuNanos < 0 || delivered == 0 ? -1 : (double) cpuNanos / delivered;
        }
    }

    static List<Row> summarise(Path runsFile, Map<String, String> failures, Benchmark.Plan plan) throws IOException {
        List<Run> runs = new ArrayList<>();
        if (Files.exists(runsFile)) {
            for (String line : Files.readAllLines(runsFile)) {
                String[] f = line.split("\t", -1);
                // runs.tsv of a benchmark before the CPU column: 11 fields
                boolean cpu = f.length > 11;
                runs.add(new Run(f[0], Integer.parseInt(f[1]), f[3].equals("measured"), Long.parseLong(f[4]),
                        Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]), Long.parseLong(f[8]),
                        Long.parseLong(f[9]), cpu ? Long.parseLong(f[10]) : -1, f[cpu ? 11 : 10]));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int size : plan.sizes()) {
            List<String> variants = size >= plan.largeFrom() ? plan.largeVariants() : plan.variants();
            for (String variant : variants) {
                List<Run> mine = runs.stream().filter(r -> r.measured() && r.variant().equals(variant) && r.size() == size)
                        .sorted(Comparator.comparingDouble(Run::rate)).toList();
                String failure = failures.get(variant + "@" + size);
                if (mine.isEmpty()) {
                    rows.add(new Row(variant, size, failure == null ? "no measured run" : failure, 0, 0, 0, 0, 0, 0, 0, 0, -1, ""));
                    continue;
                }
                Run median = mine.get(mine.size() / 2);
                double rate = mine.size() % 2 == 1 ? median.rate()
                        : (mine.get(mine.size() / 2 - 1).rate() + median.rate()) / 2;
                // A JVM stopped (timeout) after some measured runs: those runs count, the stop is noted.
                String note = failure == null ? median.note() : median.note() + "; then " + failure;
                int warmups = (int) runs.stream()
                        .filter(r -> !r.measured() && r.variant().equals(variant) && r.size() == size).count();
                rows.add(new Row(variant, size, null, mine.size(), warmups, rate, median.delivered(), median.events(),
                        mine.stream().mapToLong(Run::heapUsed).max().orElse(0),
                        mine.stream().mapToLong(Run::heapAfterGc).max().orElse(0),
                        mine.stream().mapToLong(Run::rss).max().orElse(0),
                        mine.stream().mapToDouble(Run::cpuPerEvent).sorted().skip(mine.size() / 2).findFirst().orElse(-1),
                        note));
            }
        }
        return rows;
    }

    static String markdown(List<Row> rows, Benchmark.Plan plan) {
        StringBuilder md = new StringBuilder();
        md.append(Benchmark.fmt("Measured %s on %d cores, %s RAM, Java %s (%s); every variant in its own JVM with -Xmx%s;"
                        + " runs: the measured runs the median is of (+ the warm-up runs before them, in the same JVM, discarded);"
                        + " CPU per event: the CPU time of the variant's JVM (all its threads: broker, collector and JIT"
                        + " included) over the timed part of a run, divided by the events delivered, median of the measured runs.%s%n%n",
                Benchmark.now(), Runtime.getRuntime().availableProcessors(), memTotal(),
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.name"), plan.xmx(),
                !plan.warmup().equals("auto") ? "" : Benchmark.fmt(" Warm-up: until three runs in a row are within %.0f%%"
                        + " in CPU per event, %d runs or %d min at most.", plan.warmupTolerance(), plan.warmupMax(),
                        plan.warmupMaxMinutes())));
        md.append("| N | variant | events/s (median) | CPU per event | runs | delivered | vs ceiling | vs naive |"
                + " vs Camel floor (JMS: vs raw Artemis) | peak heap used | peak heap after GC | peak RSS | notes |\n");
        md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Row row : rows) {
            Row ceiling = find(rows, "ceiling", row.size());
            Row naive = find(rows, "naive", row.size());
            boolean router = !row.variant().equals("ceiling") && !row.variant().equals("naive");
            // The targets' references: what Camel itself costs, and what the broker itself does.
            boolean jms = row.variant().equals("jms") || row.variant().equals("jms-ceiling-async")
                          || row.variant().equals("jms-camel-floor");
            boolean routed = jms || List.of("file", "webhook", "email", "syslog", "all").contains(row.variant());
            Row reference = find(rows, jms ? "jms-ceiling" : "camel-floor", row.size());
            md.append(Benchmark.fmt("| %,d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    row.size(), LABELS.getOrDefault(row.variant(), row.variant()),
                    row.ok() ? Benchmark.fmt("%,.0f", row.rate()) : "**" + row.failure() + "**",
                    row.ok() && row.cpuPerEvent() >= 0 ? micros(row.cpuPerEvent()) : "",
                    row.warmups() == 0 ? Integer.toString(row.runs()) : row.runs() + " (+" + row.warmups() + ")", row.ok() ? Benchmark.fmt("%,d", row.delivered()) : "",
                    router ? ratio(row, ceiling) : "", router ? ratio(row, naive) : "", routed ? ratio(row, reference) : "",
                    mb(row.heapUsed()), mb(row.heapAfterGc()), mb(row.rss()), row.note()));
        }
        return md.toString();
    }

    static Row find(List<Row> rows, String variant, int size) {
        return rows.stream().filter(r -> r.variant().equals(variant) && r.size() == size).findFirst().orElse(null);
    }

    private static String ratio(Row row, Row base) {
        if (!row.ok()) {
            return "";
        }
        if (base == null) {
            return "n/a";
        }
        if (!base.ok()) {
            return "(" + base.failure().replaceAll(" \\(.*", "") + ")";
        }
        double r = row.rate() / base.rate();
        return r >= 10 ? Benchmark.fmt("%.0fx", r) : r >= 1 ? Benchmark.fmt("%.2fx", r) : Benchmark.fmt("%.0f%%", r * 100);
    }

    private static String micros(double nanos) {
        double us = nanos / 1e3;
        return Benchmark.fmt(us < 10 ? "%.2f µs" : us < 100 ? "%.1f µs" : "%,.0f µs", us);
    }

    private static String mb(long bytes) {
        return bytes <= 0 ? "" : Benchmark.fmt("%,d MB", bytes >> 20);
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return Benchmark.fmt("%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return "unknown";
    }
}
