package io.ptarouter.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs every variant at every size, each in a JVM of its own with the same -Xmx, against one peer JVM per size (the
 * PTA simulator serving N generated events, a webhook receiver, an SMTP server), then writes the table (results.md),
 * the raw runs (runs.tsv) and the chart (chart.png) to the output folder. Run it with bench/run-benchmarks.sh.
 */
public final class Benchmark {

    /** What was asked; see {@link #usage()}. */
    record Plan(List<Integer> sizes, List<String> variants, List<String> largeVariants, int largeFrom, String warmup,
                int runs, String largeWarmup, int largeRuns, String xmx, Path out, Duration forkTimeout,
                boolean reportOnly, List<String> jvmOptions, int peerWarmUpEvents, double warmupTolerance, int warmupMax,
                long warmupMaxMinutes) {
    }

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help")) {
            System.out.println(usage());
            return;
        }
        Plan plan = parse(args);
        Files.createDirectories(plan.out().resolve("logs"));
        Path runs = plan.out().resolve("runs.tsv");
        Path failed = plan.out().resolve("failures.tsv");
        Map<String, String> failures = new LinkedHashMap<>();
        if (plan.reportOnly()) {
            for (String line : Files.exists(failed) ? Files.readAllLines(failed) : List.<String>of()) {
                failures.put(line.substring(0, line.indexOf('\t')), line.substring(line.indexOf('\t') + 1));
            }
        } else {
            Files.deleteIfExists(runs);
            Files.deleteIfExists(failed);
            measure(plan, runs, failures);
        }
        List<Results.Row> rows = Results.summarise(runs, failures, plan);
        String table = Results.markdown(rows, plan);
        Files.writeString(plan.out().resolve("results.md"), table, StandardCharsets.UTF_8);
        Chart.write(rows, plan, plan.out().resolve("chart.png"));
        System.out.println(table);
        System.out.println("Wrote " + plan.out().resolve("results.md") + " and " + plan.out().resolve("chart.png"));
    }

    private static void measure(Plan plan, Path runs, Map<String, String> failures) throws Exception {
        Path work = Files.createTempDirectory("pta-bench-");
        for (int size : plan.sizes()) {
            Path info = work.resolve("peer-" + size + ".txt");
            Process peer = fork("io.ptarouter.bench.Peer", List.of("-Xmx3g"), List.of(Integer.toString(size), info.toString()),
                    plan.out().resolve("logs/peer-" + size + ".log"));
            try {
                waitFor(info, peer);
                warmUp(Target.read(info, size), plan.peerWarmUpEvents());
                boolean large = size >= plan.largeFrom();
                for (String variant : large ? plan.largeVariants() : plan.variants()) {
                    String key = variant + "@" + size;
                    System.out.printf("%s N=%d: running (-Xmx%s)%n", variant, size, plan.xmx());
                    Path log = plan.out().resolve("logs/" + variant + "-" + size + ".log");
                    // C2 alone: with tiered compilation a 100k file-sink run kept getting faster for eight runs (code
                    // climbing the C1 tiers to C2 on two busy cores); with C2 alone it levels off by the fourth.
                    List<String> options = new ArrayList<>(List.of("-Xmx" + plan.xmx(), "-XX:-TieredCompilation",
                            "-XX:+ExitOnOutOfMemoryError"));
                    // A profile of one variant, for example: --jvm-options -XX:StartFlightRecording=filename=file.jfr
                    options.addAll(plan.jvmOptions().stream().map(o -> o.replace("{variant}", key.replace('@', '-'))).toList());
                    Process run = fork("io.ptarouter.bench.VariantRunner", options,
                            List.of(variant, info.toString(), Integer.toString(size), work.resolve("run").toString(),
                                    large ? plan.largeWarmup() : plan.warmup(),
                                    Integer.toString(large ? plan.largeRuns() : plan.runs()), runs.toString(),
                                    Double.toString(plan.warmupTolerance()), Integer.toString(plan.warmupMax()),
                                    Long.toString(plan.warmupMaxMinutes())), log);
                    String failure = await(run, plan.forkTimeout(), log);
                    if (failure != null) {
                        failures.put(key, failure);
                        Files.writeString(plan.out().resolve("failures.tsv"), key + "\t" + failure + "\n",
                                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.APPEND);
                        System.out.printf("%s N=%d: %s%n", variant, size, failure);
                    } else {
                        System.out.println(warmUpLine(log).orElse(variant + " N=" + size + ": done"));
                    }
                }
            } finally {
                peer.destroy();
                peer.waitFor(10, TimeUnit.SECONDS);
                peer.destroyForcibly();
            }
        }
    }

    /** The fork's line saying after how many warm-up runs it was steady (or that it was not), with --warmup auto. */
    private static java.util.Optional<String> warmUpLine(Path log) throws IOException {
        return Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
                .filter(l -> l.contains(": steady after ") || l.contains(": not steady after ")).findFirst();
    }

    private static Process fork(String mainClass, List<String> jvmOptions, List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void waitFor(Path info, Process peer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(info)) {
            if (!peer.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the peer JVM did not start; see its log");
            }
            Thread.sleep(50);
        }
    }

    /** Null when the fork ended well, else what went wrong, as the table will show it. */
    private static String await(Process run, Duration timeout, Path log) throws Exception {
        if (!run.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            run.destroyForcibly().waitFor();
            return "timeout after " + timeout.toMinutes() + " min";
        }
        if (run.exitValue() == 0) {
            return null;
        }
        String text = Files.readString(log, StandardCharsets.ISO_8859_1);
        if (text.contains("OutOfMemoryError")) {
            int at = text.indexOf("OutOfMemoryError");
            String line = text.substring(at, Math.max(at, text.indexOf('\n', at) < 0 ? text.length() : text.indexOf('\n', at)));
            return "OOM (" + line.trim() + ")";
        }
        return "failed, exit " + run.exitValue() + " (see logs)";
    }

    /**
     * Has the peer serve the answer until it has served {@code events} events (at least once): the JIT compiles the
     * simulator's generator and writer, and the first variant measured (the ceiling) is not paced by a cold peer
     * that the later ones no longer meet.
     */
    private static void warmUp(Target target, int events) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        long begin = System.nanoTime();
        int answers = Math.max(events == 0 ? 0 : 1, events / target.events());
        for (int i = 0; i < answers; i++) {
            try (java.io.InputStream body = CeilingVariant.answer(http, target).body()) {
                body.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }
        if (answers > 0) {
            System.out.printf("peer N=%d: warmed up with %d answers in %.1f s%n", target.events(), answers,
                    (System.nanoTime() - begin) / 1e9);
        }
    }

    static Plan parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("sizes", "10000,100000,1000000");
        o.put("variants", String.join(",", VariantRunner.VARIANTS));
        o.put("large-variants", "ceiling,naive,camel-floor,file,jms");
        o.put("large-from", "1000000");
        // auto: warm-up runs until three in a row are within warmup-tolerance percent in CPU per event, within the caps.
        o.put("warmup", "auto");
        o.put("warmup-tolerance", "5");
        o.put("warmup-max", "10");
        o.put("warmup-max-minutes", "10");
        o.put("runs", "3");
        o.put("large-warmup", "0");
        o.put("large-runs", "1");
        o.put("xmx", "256m");
        o.put("out", "bench/results");
        o.put("fork-timeout-minutes", "40");
        o.put("jvm-options", "");
        // Events the peer serves before the first variant of a size, so that no variant meets a cold simulator.
        o.put("peer-warm-up-events", "300000");
        boolean reportOnly = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--report")) {
                reportOnly = true;
            } else if (arg.equals("--smoke")) {
                o.put("sizes", "500");
                o.put("warmup", "0");
                o.put("runs", "1");
                o.put("out", "target/bench-smoke");
                o.put("fork-timeout-minutes", "2");
                o.put("peer-warm-up-events", "0");
            } else if (arg.startsWith("--") && o.containsKey(arg.substring(2)) && i + 1 < args.length) {
                o.put(arg.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("unknown argument " + arg + "\n" + usage());
            }
        }
        return new Plan(Arrays.stream(o.get("sizes").split(",")).map(String::trim).map(Integer::valueOf).toList(),
                List.of(o.get("variants").split(",")), List.of(o.get("large-variants").split(",")),
                Integer.parseInt(o.get("large-from")), warmup(o.get("warmup")), Integer.parseInt(o.get("runs")),
                warmup(o.get("large-warmup")), Integer.parseInt(o.get("large-runs")), o.get("xmx"),
                Path.of(o.get("out")), Duration.ofMinutes(Long.parseLong(o.get("fork-timeout-minutes"))), reportOnly,
                Arrays.stream(o.get("jvm-options").split(" ")).filter(s -> !s.isBlank()).toList(),
                Integer.parseInt(o.get("peer-warm-up-events")), Double.parseDouble(o.get("warmup-tolerance")),
                Integer.parseInt(o.get("warmup-max")), Long.parseLong(o.get("warmup-max-minutes")));
    }

    /** A number of warm-up runs, or auto. */
    private static String warmup(String value) {
        if (!value.equals("auto") && !value.matches("[0-9]+")) {
            throw new IllegalArgumentException("--warmup and --large-warmup take a number of runs or auto, not " + value);
        }
        return value;
    }

    static String usage() {
        return """
                bench/run-benchmarks.sh [--smoke] [--report] [--sizes 10000,100000,1000000] [--variants ceiling,naive,camel-floor,file,jms,webhook,email,syslog,all]
                    [--large-variants ceiling,naive,camel-floor,file,jms] [--large-from 1000000] [--warmup auto] [--runs 3]
                    [--warmup-tolerance 5] [--warmup-max 10] [--warmup-max-minutes 10]
                    [--large-warmup 0] [--large-runs 1] [--xmx 256m] [--out bench/results] [--fork-timeout-minutes 40]
                    [--peer-warm-up-events 300000]
                    [--jvm-options "-XX:StartFlightRecording=filename=target/{variant}.jfr"]
                --warmup auto: warm-up runs (discarded) until three in a row differ by at most --warmup-tolerance percent in
                CPU time per event, --warmup-max runs and --warmup-max-minutes at most; --warmup N: exactly N. --large-warmup: the same, for sizes from --large-from.
                --report redraws results.md and chart.png from runs.tsv and failures.tsv of an earlier run (same options).
                --jvm-options are added to each variant's JVM, space-separated; {variant} becomes its name and size.
                --peer-warm-up-events: the simulator serves this many events (whole answers, at least one) before the
                first variant of each size is measured.""";
    }

    static String now() {
        return ZonedDateTime.now().withNano(0).toString();
    }

    static String fmt(String format, Object... values) {
        return String.format(Locale.ROOT, format, values);
    }
}
