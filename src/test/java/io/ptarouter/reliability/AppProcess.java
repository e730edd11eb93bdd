package io.ptarouter.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One run of the packaged app as its own JVM, its stdout and stderr in a log file. */
public final class AppProcess {

    private final Process process;
    private final Path log;

    private AppProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the command with this JVM's environment minus the variables whose names start with one of
     * {@code droppedEnvironmentPrefixes} (so a PTA_* variable of the machine cannot override the test's settings).
     */
    public static AppProcess start(List<String> command, Path workingDirectory, Path log, String... droppedEnvironmentPrefixes) {
        return start(command, workingDirectory, log, Map.of(), droppedEnvironmentPrefixes);
    }

    /** As {@link #start(List, Path, Path, String...)}, with {@code environment} added after the prefixes are dropped. */
    public static AppProcess start(List<String> command, Path workingDirectory, Path log, Map<String, String> environment,
                                   String... droppedEnvironmentPrefixes) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            for (String prefix : droppedEnvironmentPrefixes) {
                builder.environment().keySet().removeIf(name -> name.startsWith(prefix));
            }
            builder.environment().putAll(environment);
            Process process = builder.start();
            return new AppProcess(process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Fails with the end of the log if the app is no longer running. */
    public void requireAlive(String doing) {
        if (!process.isAlive()) {
            throw new AssertionError("the app (pid " + process.pid() + ") exited with code " + process.exitValue()
                                     + " while " + doing + "; the end of " + log + ":\n" + tail(40));
        }
    }

    /** SIGKILL on Linux, and waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30), "after SIGKILL");
    }

    /** SIGSTOP: the process is frozen as a GC pause or a suspended VM would freeze it; {@link #resume} thaws it. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling the app", e);
        }
    }

    /** SIGTERM: the app's shutdown hook runs its graceful stop. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the exit; true if the process ended within {@code timeout}. */
    public boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the app to exit", e);
        }
    }

    public void awaitExit(Duration timeout, String when) {
        if (!waitForExit(timeout)) {
            throw new AssertionError("the app (pid " + process.pid() + ") is still running " + timeout + " " + when
                                     + "; the end of " + log + ":\n" + tail(40));
        }
    }

    public int exitCode() {
        return process.exitValue();
    }

    public Path log() {
        return log;
    }

    /** Whether a line of the log so far contains {@code text}. */
    public boolean logContains(String text) {
        try (java.util.stream.Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.anyMatch(line -> line.contains(text));
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    public String tail(int lines) {
        try {
            List<String> all = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(the log cannot be read: " + e + ")";
        }
    }
}
