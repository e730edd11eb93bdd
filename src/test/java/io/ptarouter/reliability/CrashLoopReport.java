package io.ptarouter.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The crash loop's numbers: one machine-readable line per sink, and a markdown table for RELIABILITY.md. */
final class CrashLoopReport {

    /** What was done to the app, and how often. */
    enum Fault {
        SIGKILL_DELIVERING("SIGKILL while polling and delivering"),
        SIGKILL_STARTING("SIGKILL during start-up (before or in the first poll)"),
        SIGKILL_STOPPING("SIGKILL during the graceful shutdown that a SIGTERM started"),
        SIGTERM_ONLY("SIGTERM that completed before the planned SIGKILL");

        final String description;

        Fault(String description) {
            this.description = description;
        }
    }

    private final long seed;
    private final Map<Fault, Integer> faults;
    private final List<SinkResult> sinks;
    private final Duration elapsed;
    private final List<String> runs;

    CrashLoopReport(long seed, Map<Fault, Integer> faults, List<SinkResult> sinks, Duration elapsed, List<String> runs) {
        this.seed = seed;
        this.faults = Map.copyOf(faults);
        this.sinks = List.copyOf(sinks);
        this.elapsed = elapsed;
        this.runs = List.copyOf(runs);
    }

    int kills() {
        return count(Fault.SIGKILL_DELIVERING) + count(Fault.SIGKILL_STARTING) + count(Fault.SIGKILL_STOPPING);
    }

    List<String> summaryLines() {
        List<String> lines = new ArrayList<>();
        for (SinkResult sink : sinks) {
            lines.add("CRASHLOOP sink=" + sink.sink().label() + " kills=" + kills() + " produced=" + sink.produced()
                      + " served=" + sink.served() + " expected=" + sink.expected() + " delivered=" + sink.delivered()
                      + " lost=" + sink.lost() + " duplicates=" + sink.duplicates() + " resends=" + sink.resends()
                      + " key-mismatches=" + sink.keyMismatches() + " unreadable=" + sink.unreadable()
                      + " phantom=" + sink.phantom() + " misrouted=" + sink.misrouted()
                      + " not-observable=" + sink.notObservable() + " restart-resends=" + sink.restartResends());
        }
        return lines;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("## Crash loop: `CrashLoopIT`, ").append(Instant.now()).append("\n\n");
        md.append("The packaged app ran as its own JVM against the PTA simulator while events kept arriving, and was ")
          .append("killed ").append(kills()).append(" times at random points (")
          .append(count(Fault.SIGKILL_DELIVERING)).append(" while delivering, ")
          .append(count(Fault.SIGKILL_STARTING)).append(" during start-up, ")
          .append(count(Fault.SIGKILL_STOPPING)).append(" during shutdown; ")
          .append(count(Fault.SIGTERM_ONLY)).append(" planned shutdown kills came after the app had already stopped), ")
          .append("then ran until every expected version was delivered, was stopped with SIGTERM and started once more ")
          .append("without new events. Seed ").append(seed).append(", ").append(elapsed.toSeconds()).append(" s.\n\n");
        md.append("| Fault | Times injected | Sink | Versions produced | Expected | Delivered | Lost | Duplicated | Re-sends |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (SinkResult sink : sinks) {
            md.append("| SIGKILL at random points | ").append(kills()).append(" | ").append(sink.sink().label())
              .append(" | ").append(sink.produced()).append(" | ").append(sink.expected())
              .append(" | ").append(sink.delivered()).append(" | ").append(sink.lost())
              .append(" | ").append(sink.duplicates()).append(" | ").append(sink.resends()).append(" |\n");
        }
        for (SinkResult sink : sinks) {
            md.append("| Restart without a crash (SIGTERM, start, two polls) | 1 | ").append(sink.sink().label())
              .append(" | 0 new | 0 | ").append(sink.restartResends()).append(" re-sent | 0 | ")
              .append(sink.restartResends()).append(" | ").append(sink.restartResends()).append(" |\n");
        }
        md.append("\n*Versions produced*: event versions (id + lastUpdateTime) the simulator created and the routing ")
          .append("sends to the sink. *Expected*: the versions the app can be shown to have had in hand (held by an ")
          .append("answer to a process that went on to its next poll, or current when the events stopped changing); ")
          .append("the others were superseded before any answer held them or while the app was down after a crash, ")
          .append("and PTA never returns them again. *Duplicated*: copies a receiver that de-duplicates by the sink's ")
          .append("key (Idempotency-Key, Message-ID; none for the file and the queue) still holds. *Re-sends*: all ")
          .append("copies beyond the first that reached the receiver (JMS: sends the broker dropped as duplicates).\n\n");
        md.append("| Sink | Served | Not observable after a crash | Key mismatches | Unreadable | Phantom | Misrouted |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (SinkResult sink : sinks) {
            md.append("| ").append(sink.sink().label()).append(" | ").append(sink.served())
              .append(" | ").append(sink.notObservable()).append(" | ").append(sink.keyMismatches())
              .append(" | ").append(sink.unreadable()).append(" | ").append(sink.phantom())
              .append(" | ").append(sink.misrouted()).append(" |\n");
        }
        md.append("\n<details><summary>Runs</summary>\n\n");
        runs.forEach(run -> md.append("- ").append(run).append('\n'));
        md.append("\n</details>\n");
        return md.toString();
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
    }

    private int count(Fault fault) {
        return faults.getOrDefault(fault, 0);
    }
}
