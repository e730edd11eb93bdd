package io.ptarouter.reliability;

import static org.awaitility.Awaitility.await;

import io.ptarouter.reliability.CrashLoopReport.Fault;
import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.simulator.ServedAnswer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test of the delivery guarantees. The packaged app ({@code target/pta-router.jar}) runs as its own JVM; this
 * JVM hosts all its peers on loopback: the PTA simulator with live changes (new security events, updates with more
 * audits, closings), a persistent Artemis broker with duplicate detection, a GreenMail SMTP server, a webhook receiver
 * over HTTP, and the NDJSON files. The app is killed with SIGKILL at random points many times (while delivering,
 * during start-up, during a graceful shutdown) and started again; then the events stop changing, the app runs until
 * every expected version is delivered and is stopped with SIGTERM; then it is started once more, polls twice, and is
 * stopped again.
 *
 * <p><b>What is expected.</b> PTA answers with the current version of each event only, so the test cannot ask for every
 * version the simulator produced: a version superseded before any poll read it was never observable, and one read by a
 * process that was killed before it finished that poll is gone if it was superseded before the next process polled. The
 * simulator records what every answer held and which logon session (which app process) asked. A version is expected
 * at its sinks if a complete answer held it and the same process then made its next security events call (polls never
 * overlap, so it had finished the poll that read it), or if it is the current version when the events stop changing,
 * or if it is a risk event (those never change). {@link ExpectedDeliveries} has the details; the report counts the
 * versions that were served but are not expected ("not observable after a crash").
 *
 * <p><b>What is asserted</b>, for every sink (routing as in routes/dispatch.camel.yaml with default settings):
 * <ul>
 *   <li>lost: every expected version routed to the sink reached it (file line, JMS message, mail, webhook POST);</li>
 *   <li>duplicated: the file holds no version twice; the queue delivered no version twice (the app's
 *       {@code _AMQ_DUPL_ID} lets the broker drop re-sends); a receiver that de-duplicates webhook POSTs by
 *       {@code Idempotency-Key} and mails by {@code Message-ID} holds no version twice, and those keys are the ones the
 *       app promises ({@code <deliveryKey>/webhook}, {@code <SHA-256 of <deliveryKey>/email>@pta-router}). Raw
 *       re-sends (the same version posted or mailed again because a kill came after the receiver took it and before
 *       the app recorded it) are legitimate, counted and reported, not failed;</li>
 *   <li>every NDJSON line parses and no file ends in a partial line, whatever the kill tore;</li>
 *   <li>nothing is held that was never served or is routed elsewhere;</li>
 *   <li>a restart without a crash re-sends nothing: no receiver gets anything new.</li>
 * </ul>
 * Against an app that keeps its state in memory this test fails: every restart reads the look-back window again.
 *
 * <p>Settings (system properties): {@code crashloop.kills} (15), {@code crashloop.seed} (random, printed),
 * {@code crashloop.change-interval-ms} (250: a new event and {@code crashloop.updates-per-change} (2) updates each),
 * {@code crashloop.quiet-timeout-s} (180: how long the last run may take to deliver everything; it gives up sooner
 * when nothing changes for 20 s), {@code crashloop.app-jvm-options}, and {@code crashloop.app-options} (more
 * {@code -D} settings for the app, e.g. another {@code pta.state.jdbc-url}); {@code crashloop.skip=true} skips it.
 * Results: {@code target/crashloop-results.md} and lines starting
 * {@code CRASHLOOP} on stdout; each run's output is in {@code target/crashloop-app-<n>.log}.
 */
class CrashLoopIT {

    private static final String USER = "crash-loop-reader";
    private static final String PASSWORD = "crash-loop-password";
    private static final int RISK_PAGE_SIZE = 10;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STALL = Duration.ofSeconds(20);
    /** Artemis warns of every message its duplicate detection drops; this test counts them instead. */
    private static final String BROKER_LOGGER = "org.apache.activemq.artemis";

    private final int kills = Integer.getInteger("crashloop.kills", 15);
    private final long seed = Long.getLong("crashloop.seed", System.nanoTime());
    private final Duration changeInterval = Duration.ofMillis(Long.getLong("crashloop.change-interval-ms", 250));
    private final int updatesPerChange = Integer.getInteger("crashloop.updates-per-change", 2);
    private final Duration quietTimeout = Duration.ofSeconds(Long.getLong("crashloop.quiet-timeout-s", 180));
    private final String appJvmOptions = System.getProperty("crashloop.app-jvm-options",
            "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    /** More -D settings for the app, after the test's own (the last of two equal keys wins). */
    private final String appOptions = System.getProperty("crashloop.app-options", "");
    private final Random random = new Random(seed);
    private final Path project = Path.of("").toAbsolutePath();
    private final Path target = project.resolve("target");

    @TempDir
    Path data;

    private PtaSimulator simulator;
    private Receivers receivers;
    private JmsReceiver jms;
    private MailReceiver mail;
    private WebhookReceiver webhook;
    private NdjsonFolder files;
    private AppProcess app;
    private final Thread killAppOnExit = new Thread(this::killApp, "crash-loop-kill-app");
    private final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
    private final List<String> runs = new ArrayList<>();
    private final Level brokerLogLevel = LogManager.getLogger(BROKER_LOGGER).getLevel();

    /**
     * A kill cuts the app's connections mid-conversation, and GreenMail's SMTP handler thread then dies with an
     * uncaught exception: that is the fault injected, not a failure of a wait, which Awaitility by default would
     * rethrow in whichever wait is running. So no wait of this test catches other threads' exceptions; what the
     * receivers got is checked at the end.
     */
    @BeforeAll
    static void waitsLeaveOtherThreadsExceptionsAlone() {
        Awaitility.doNotCatchUncaughtExceptionsByDefault();
    }

    @AfterAll
    static void waitsCatchOtherThreadsExceptionsAgain() {
        Awaitility.catchUncaughtExceptionsByDefault();
    }

    @AfterEach
    void stopEverything() throws Exception {
        killApp();
        Configurator.setLevel(BROKER_LOGGER, brokerLogLevel);
        try {
            Runtime.getRuntime().removeShutdownHook(killAppOnExit);
        } catch (IllegalStateException | IllegalArgumentException alreadyGoneOrNeverSet) {
            // the JVM is exiting, or the test failed before setting the hook
        }
        try (AutoCloseable s = simulator; AutoCloseable r = receivers) {
            // closed in reverse order, each even if another fails
        }
    }

    @Test
    @DisabledIfSystemProperty(named = "crashloop.skip", matches = "true", disabledReason = "-Dcrashloop.skip=true")
    void everyObservableVersionReachesEverySinkOnceThroughRepeatedSigkills() throws Exception {
        Path jar = target.resolve("pta-router.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: run 'mvn package' (or 'mvn verify') before this test");
        }
        long started = System.nanoTime();
        deleteOldLogs();
        Runtime.getRuntime().addShutdownHook(killAppOnExit);
        startPeers();
        System.out.printf("CRASHLOOP seed=%d kills=%d change-interval=%s updates-per-change=%d%n",
                seed, kills, changeInterval, updatesPerChange);

        List<Fault> plan = faultPlan();
        for (int run = 1; run <= plan.size(); run++) {
            injectFault(run, plan.get(run - 1));
        }

        simulator.pauseChanges();
        int lastRun = plan.size() + 1;
        int session = startApp(lastRun);
        boolean quiet = awaitQuiescence(session);
        runs.add("run " + lastRun + ": no new events; " + (quiet ? "every expected version delivered" : "NOT quiescent")
                 + ", then SIGTERM");
        stopGracefully("after the last run");

        Map<Sink, Integer> before = receivedCopies();
        int restartSession = startApp(lastRun + 1);
        awaitPolls(restartSession);
        stopGracefully("after the restart without a crash");
        Map<Sink, Integer> after = receivedCopies();
        runs.add("run " + (lastRun + 1) + ": restart without a crash, two polls, SIGTERM");

        List<SinkResult> results = results(before, after);
        CrashLoopReport report = new CrashLoopReport(seed, faults, results,
                Duration.ofNanos(System.nanoTime() - started), runs);
        report.write(target.resolve("crashloop-results.md"));
        report.summaryLines().forEach(System.out::println);
        assertResults(results, quiet);
    }

    // ---- the peers and the app

    private void startPeers() throws Exception {
        Configurator.setLevel(BROKER_LOGGER, Level.ERROR);
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withCredentials(USER, PASSWORD)
                .withTokenTtl(Duration.ofHours(4)) // one session per process: a re-logon would hide which process asked
                .withSecurityEvents(20)
                .withRiskEvents(30)
                .withSeed(seed)
                .withLiveChanges(changeInterval, updatesPerChange)
                .withServedAnswersRecorded());
        receivers = new Receivers(data);
        jms = receivers.jms;
        mail = receivers.mail;
        webhook = receivers.webhook;
        files = receivers.files;
    }

    /** Starts run {@code n} and returns the number the app's logon session will have. */
    private int startApp(int n) {
        int session = simulator.logonCount() + 1;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(appJvmOptions.trim().split("\\s+")));
        command.addAll(List.of(
                "-Dpta.base-url=" + simulator.baseUrl(),
                "-Dpta.http.allow-plain-http=true",
                "-Dpta.auth.username=" + USER,
                "-Dpta.auth.password=" + PASSWORD,
                "-Dpta.security-events.cron=* * * * * ?",
                "-Dpta.risk-events.enabled=true",
                "-Dpta.risk-events.cron=*/2 * * * * ?",
                "-Dpta.risk-events.page-size=" + RISK_PAGE_SIZE,
                "-Dpta.sink.file.directory=" + files.directory(),
                "-Dpta.sink.rejected.directory=" + data.resolve("rejected"),
                "-Dpta.sink.jms.broker-url=" + jms.brokerUrl(),
                "-Dpta.sink.jms.embedded.data-directory=" + data.resolve("unused-embedded-broker"),
                "-Dpta.sink.email.enabled=true",
                "-Dpta.sink.email.host=127.0.0.1",
                "-Dpta.sink.email.port=" + mail.port(),
                "-Dpta.sink.email.to=soc@crash-loop.test",
                "-Dpta.sink.email.digest.after=1000000", // the tally counts one mail per version
                "-Dpta.sink.webhook.enabled=true",
                "-Dpta.sink.webhook.url=" + webhook.url(),
                "-Dpta.state.jdbc-url=jdbc:h2:file:" + data.resolve("state").resolve("pta-router"),
                "-Dcamel.management.enabled=false",
                "-Dcamel.main.shutdown-timeout=20"));
        if (!appOptions.isBlank()) {
            command.addAll(List.of(appOptions.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", target.resolve("pta-router.jar").toString()));
        app = AppProcess.start(command, project, target.resolve("crashloop-app-" + n + ".log"), "PTA_", "CAMEL_");
        return session;
    }

    private void killApp() {
        if (app != null && app.isAlive()) {
            app.kill();
        }
    }

    private void stopGracefully(String when) {
        app.terminate();
        app.awaitExit(STOP_TIMEOUT, "after SIGTERM " + when);
    }

    // ---- the faults

    /** The kills in random order: about a fifth each during start-up and during shutdown, the rest while delivering. */
    private List<Fault> faultPlan() {
        int starting = Math.max(1, kills / 5);
        int stopping = Math.max(1, kills / 5);
        List<Fault> plan = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
            plan.add(i < starting ? Fault.SIGKILL_STARTING
                    : i < starting + stopping ? Fault.SIGKILL_STOPPING : Fault.SIGKILL_DELIVERING);
        }
        Collections.shuffle(plan, random);
        return plan;
    }

    private void injectFault(int run, Fault planned) throws InterruptedException {
        long launched = System.nanoTime();
        int session = startApp(run);
        String detail;
        Fault injected = planned;
        switch (planned) {
            case SIGKILL_STARTING -> {
                if (random.nextBoolean()) {
                    long delay = random.nextInt(3000);
                    Thread.sleep(delay); // the fault injection itself: a random moment of the start-up
                    detail = delay + " ms after launch, " + (calls(session, ServedAnswer.SECURITY_EVENTS) == 0
                            ? "before its first poll" : "in its first poll");
                } else {
                    awaitOrFail("run " + run + " logs on", START_TIMEOUT, () -> simulator.logonCount() >= session);
                    long delay = random.nextInt(500);
                    Thread.sleep(delay);
                    detail = delay + " ms after its logon";
                }
                app.requireAlive("starting, just before the SIGKILL");
                app.kill();
            }
            case SIGKILL_DELIVERING -> {
                detail = runUntilRandomProgress(run, session, 80, 4000);
                app.kill();
            }
            default -> {
                detail = runUntilRandomProgress(run, session, 40, 2000);
                app.terminate();
                long grace = random.nextInt(1500);
                if (app.waitForExit(Duration.ofMillis(grace))) {
                    injected = Fault.SIGTERM_ONLY;
                    detail += ", SIGTERM; it stopped (exit " + app.exitCode() + ") within " + grace + " ms";
                } else {
                    app.kill();
                    detail += ", SIGTERM, SIGKILL " + grace + " ms later";
                }
            }
        }
        faults.merge(injected, 1, Integer::sum);
        runs.add("run " + run + ": " + injected.name() + " after " + (System.nanoTime() - launched) / 1_000_000
                 + " ms (" + detail + ")");
    }

    /**
     * Waits until the app has delivered something, then until it delivered up to {@code maxMore} more copies or up to
     * {@code maxMillis} passed, both drawn at random: the moment of the kill is keyed to progress, not to a clock.
     */
    private String runUntilRandomProgress(int run, int session, int maxMore, int maxMillis) {
        awaitOrFail("run " + run + " logs on", START_TIMEOUT, () -> simulator.logonCount() >= session);
        int atLogon = progress();
        awaitOrFail("run " + run + " delivers something", START_TIMEOUT, () -> progress() > atLogon);
        int first = progress();
        int more = 1 + random.nextInt(maxMore);
        int cap = 500 + random.nextInt(Math.max(1, maxMillis - 500));
        boolean reached = awaitUpTo(Duration.ofMillis(cap), () -> progress() >= first + more);
        return reached ? more + " more copies delivered" : cap + " ms of delivering (" + (progress() - first) + " copies)";
    }

    private int progress() {
        return receivers.progress();
    }

    // ---- the end

    /**
     * The last run: every expected version delivered, after at least two polls without new events. False if that does
     * not come within the quiet timeout, or if the app goes on polling while neither the receivers nor the versions
     * missing change for {@link #STALL}: what is missing then stays missing.
     */
    private boolean awaitQuiescence(int session) {
        Stall stall = new Stall();
        try {
            await("every expected version delivered").atMost(quietTimeout).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        app.requireAlive("delivering the last expected versions");
                        int missing = lostVersions(expected()).values().stream().mapToInt(Set::size).sum();
                        boolean polling = calls(session, ServedAnswer.SECURITY_EVENTS) >= 3;
                        if (polling && missing == 0 && jms.backlog() == 0) {
                            return true;
                        }
                        return polling && stall.unchangedFor(STALL, progress() + files.lines().copies(), missing);
                    });
            return !stall.stalled;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** Whether some numbers stayed the same for a while. */
    private static final class Stall {

        private List<Integer> last = List.of();
        private long since = System.nanoTime();
        private boolean stalled;

        boolean unchangedFor(Duration period, Integer... numbers) {
            if (!last.equals(List.of(numbers))) {
                last = List.of(numbers);
                since = System.nanoTime();
            }
            stalled = System.nanoTime() - since > period.toNanos();
            return stalled;
        }
    }

    /** Until the session finished two security events polls and one risk events poll (all its pages). */
    private void awaitPolls(int session) {
        int riskPages = Math.max(1, (simulator.servedVersions(ServedAnswer.RISK_EVENTS).size() + RISK_PAGE_SIZE - 1)
                                    / RISK_PAGE_SIZE);
        awaitOrFail("the restarted app polls twice", START_TIMEOUT,
                () -> calls(session, ServedAnswer.SECURITY_EVENTS) >= 3
                      && calls(session, ServedAnswer.RISK_EVENTS) >= riskPages + 1);
    }

    private Map<Sink, Integer> receivedCopies() {
        awaitPeers("the queue is drained", Duration.ofSeconds(30), () -> jms.backlog() == 0);
        Map<Sink, Integer> copies = new EnumMap<>(Sink.class);
        copies.put(Sink.FILE, files.lines().copies());
        copies.put(Sink.JMS, jms.sends().copies());
        copies.put(Sink.EMAIL, mail.mails().copies());
        copies.put(Sink.WEBHOOK, webhook.posts().copies());
        return copies;
    }

    private ExpectedDeliveries expected() {
        return new ExpectedDeliveries(simulator.servedAnswers(), simulator.securityEventHistory(),
                simulator.securityEventVersions());
    }

    private Map<Sink, Set<String>> lostVersions(ExpectedDeliveries expected) {
        return receivers.lost(expected);
    }

    private DeliveryTally received(Sink sink) {
        return receivers.received(sink);
    }

    private List<SinkResult> results(Map<Sink, Integer> beforeRestart, Map<Sink, Integer> afterRestart) {
        ExpectedDeliveries expected = expected();
        Map<Sink, Set<String>> lost = lostVersions(expected);
        List<SinkResult> results = new ArrayList<>();
        for (Sink sink : Sink.values()) {
            results.add(receivers.result(sink, expected, lost.get(sink), afterRestart.get(sink) - beforeRestart.get(sink)));
        }
        return results;
    }

    private void assertResults(List<SinkResult> results, boolean quiet) {
        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(quiet).as("the last run delivered every expected version (within %s, or before %s passed "
                                    + "with nothing changing)", quietTimeout, STALL).isTrue();
        for (SinkResult result : results) {
            String sink = result.sink().label();
            softly.assertThat(result.lost()).as("%s: expected versions lost, e.g. %s", sink, result.lostSample())
                    .isZero();
            softly.assertThat(result.duplicates()).as("%s: duplicates a receiver de-duplicating by key holds, e.g. %s",
                    sink, received(result.sink()).sampleOfRepeats(3)).isZero();
            softly.assertThat(result.keyMismatches()).as("%s: copies without the promised de-duplication key", sink)
                    .isZero();
            softly.assertThat(result.unreadable()).as("%s: unreadable copies (torn lines: %s)", sink,
                    result.sink() == Sink.FILE ? files.unreadableSamples() : List.of()).isZero();
            softly.assertThat(result.phantom()).as("%s: versions held that no answer held", sink).isZero();
            softly.assertThat(result.misrouted()).as("%s: versions held that are routed elsewhere", sink).isZero();
            softly.assertThat(result.restartResends()).as("%s: copies re-sent by a restart without a crash", sink)
                    .isZero();
        }
        softly.assertAll();
    }

    // ---- waiting

    /** Security or risk events calls the session made so far. */
    private int calls(int session, String stream) {
        return (int) simulator.servedAnswers().stream()
                .filter(answer -> answer.session() == session && answer.stream().equals(stream)).count();
    }

    /** Waits until {@code done} while the app runs; fails at once, with the end of its log, if it exits. */
    private void awaitOrFail(String what, Duration atMost, BooleanSupplier done) {
        try {
            await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
                app.requireAlive("waiting until " + what);
                return done.getAsBoolean();
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + atMost + " waiting until " + what + "; the end of "
                                     + app.log() + ":\n" + app.tail(40), e);
        }
    }

    /** Waits until {@code done} with the app stopped. */
    private static void awaitPeers(String what, Duration atMost, BooleanSupplier done) {
        try {
            await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                    .until(done::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + atMost + " waiting until " + what, e);
        }
    }

    /** Waits for {@code done} at most {@code atMost}; false if it did not come (that is not a failure here). */
    private boolean awaitUpTo(Duration atMost, BooleanSupplier done) {
        try {
            await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20)).until(() -> {
                app.requireAlive("delivering");
                return done.getAsBoolean();
            });
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    private void deleteOldLogs() throws IOException {
        if (!Files.isDirectory(target)) {
            return;
        }
        try (Stream<Path> logs = Files.list(target)) {
            for (Path log : logs.filter(f -> f.getFileName().toString().startsWith("crashloop-app-")).toList()) {
                Files.delete(log);
            }
        }
    }

    private static int freePort() throws IOException {
        return Receivers.freePort();
    }
}
