package io.ptarouter.reliability;

import static org.awaitility.Awaitility.await;

import io.ptarouter.simulator.PtaSimulator;
import io.ptarouter.simulator.ServedAnswer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
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
 * Several instances on one PostgreSQL. Three processes of the packaged app ({@code target/pta-router.jar}) run in
 * cluster mode on a fresh schema of the PostgreSQL at {@code PTA_TEST_POSTGRES_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}, user postgres), with one Artemis broker over TCP, GreenMail, a webhook
 * receiver and one file folder, all hosted by this JVM on loopback, and the PTA simulator changing its events
 * throughout. The instance that polled security events last is killed with SIGKILL at random moments (and started
 * again at once), and an instance that has just read an answer is frozen with SIGSTOP for longer than the fail-over
 * takes, then thawed with SIGCONT. Then the events stop changing, the instances run until every expected version is
 * delivered, and stop with SIGTERM.
 *
 * <p><b>What is asserted.</b> No two answers of one stream were open at the same time for different instances (the
 * simulator records per request the User-Agent, which names the instance, and when the answer began and ended); each
 * fail-over (kill or freeze to the next complete answer of that stream to another instance) took less than 30 s;
 * file and queue hold every expected version once, webhook and mail lose none and hold no version twice under their
 * de-duplication key (re-sends are counted); the lower bound of the security events requests never went back (no
 * watermark moved backwards, the thawed instance's included); the readiness details and the metrics name the poller.
 * Which versions are expected is {@link ExpectedDeliveries}'s rule, with a frozen instance's last answer counted as
 * not finished (its poll lost the stream's lock and delivered no more of it).
 *
 * <p>Settings (system properties): {@code cluster.kills} (10), {@code cluster.pauses} (2), {@code cluster.seed}
 * (random, printed), {@code cluster.skip=true} skips it. Results: {@code target/cluster-results.md} and lines starting
 * {@code CLUSTER} on stdout; each instance's output is in {@code target/cluster-node-<n>-run-<k>.log}.
 */
class ClusterIT {

    private static final String USER = "cluster-reader";
    private static final String PASSWORD = "cluster-password";
    private static final int NODES = 3;
    private static final int RISK_PAGE_SIZE = 10;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration FAIL_OVER_LIMIT = Duration.ofSeconds(30);
    private static final Duration QUIET_TIMEOUT = Duration.ofSeconds(180);
    private static final String BROKER_LOGGER = "org.apache.activemq.artemis";
    private static final String SECURITY = ServedAnswer.SECURITY_EVENTS;

    private final int kills = Integer.getInteger("cluster.kills", 10);
    private final int pauses = Integer.getInteger("cluster.pauses", 2);
    private final long seed = Long.getLong("cluster.seed", System.nanoTime());
    private final Random random = new Random(seed);
    private final Path project = Path.of("").toAbsolutePath();
    private final Path target = project.resolve("target");
    private final String server = System.getenv().getOrDefault("PTA_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    private final String dbUser = System.getenv().getOrDefault("PTA_TEST_POSTGRES_USER", "postgres");
    private final String schema = "pta_cluster_" + UUID.randomUUID().toString().replace("-", "");
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path data;

    private PtaSimulator simulator;
    private Receivers receivers;
    private JmsReceiver jms;
    private MailReceiver mail;
    private WebhookReceiver webhook;
    private NdjsonFolder files;
    private final AppProcess[] nodes = new AppProcess[NODES];
    private final String[] nodeIds = new String[NODES];
    private final int[] managementPorts = new int[NODES];
    private final int[] starts = new int[NODES];
    private final Thread killNodesOnExit = new Thread(this::killNodes, "cluster-kill-nodes");
    private final Level brokerLogLevel = LogManager.getLogger(BROKER_LOGGER).getLevel();
    private final List<String> faults = new ArrayList<>();
    private final List<Long> failOvers = new ArrayList<>();
    private final List<Pause> frozen = new ArrayList<>();

    /** A frozen instance: its id, and when it was frozen and thawed (System.nanoTime). */
    private record Pause(int node, String nodeId, long stoppedNanos, long resumedNanos) {
    }

    /** See CrashLoopIT: a kill makes GreenMail's handler threads die, which is the fault, not a failed wait. */
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
        killNodes();
        Configurator.setLevel(BROKER_LOGGER, brokerLogLevel);
        try {
            Runtime.getRuntime().removeShutdownHook(killNodesOnExit);
        } catch (IllegalStateException | IllegalArgumentException alreadyGoneOrNeverSet) {
            // the JVM is exiting, or the test failed before setting the hook
        }
        try (AutoCloseable s = simulator; AutoCloseable r = receivers) {
            // closed in reverse order, each even if another fails
        }
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @Test
    @DisabledIfSystemProperty(named = "cluster.skip", matches = "true", disabledReason = "-Dcluster.skip=true")
    void threeInstancesPollOneAtATimeFailOverWithinThirtySecondsAndLoseOrDoubleNothing() throws Exception {
        Path jar = target.resolve("pta-router.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: run 'mvn package' (or 'mvn verify') before this test");
        }
        long started = System.nanoTime();
        deleteOldLogs();
        execute("CREATE SCHEMA " + schema);
        Runtime.getRuntime().addShutdownHook(killNodesOnExit);
        startPeers();
        System.out.printf("CLUSTER seed=%d kills=%d pauses=%d schema=%s%n", seed, kills, pauses, schema);
        for (int node = 0; node < NODES; node++) {
            startNode(node);
        }
        for (int node = 0; node < NODES; node++) {
            awaitStarted(node);
        }
        awaitOrFail("the events flow", START_TIMEOUT, () -> files.lines().copies() > 0);

        List<Boolean> plan = new ArrayList<>(Collections.nCopies(kills, true));
        plan.addAll(Collections.nCopies(pauses, false));
        Collections.shuffle(plan, random);
        for (boolean kill : plan) {
            Thread.sleep(500 + random.nextInt(2500)); // the fault injection itself: a random moment
            if (kill) {
                killThePoller();
            } else {
                freezeAPoller();
            }
        }

        simulator.pauseChanges();
        boolean quiet = awaitQuiescence();
        // Any instance answers alike; one whose port another process took meanwhile has no management server.
        String health = "";
        String metrics = "";
        for (int node = 0; node < NODES && !health.startsWith("{"); node++) {
            health = get(managementPorts[node], "/observe/health/ready?exposureLevel=full&data=true");
            metrics = get(managementPorts[node], "/observe/metrics");
        }
        for (AppProcess node : nodes) {
            node.terminate();
        }
        for (AppProcess node : nodes) {
            node.awaitExit(Duration.ofSeconds(60), "after SIGTERM");
        }

        List<ServedAnswer> answers = simulator.servedAnswers();
        List<String> overlaps = overlaps(answers);
        List<String> backwards = watermarkSteps(answers);
        List<SinkResult> results = results(answers);
        List<String> fenced = frozen.stream().map(this::fenceOutcome).toList();
        String report = report(results, overlaps, backwards, fenced, Duration.ofNanos(System.nanoTime() - started));
        Files.writeString(target.resolve("cluster-results.md"), report, StandardCharsets.UTF_8);
        report.lines().filter(line -> line.startsWith("CLUSTER")).forEach(System.out::println);

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(quiet).as("every expected version delivered within %s after the events stopped", QUIET_TIMEOUT)
                .isTrue();
        softly.assertThat(overlaps).as("answers of one stream open at once for two instances").isEmpty();
        softly.assertThat(backwards).as("security events lower bounds that went back (a watermark moved back)").isEmpty();
        softly.assertThat(failOvers).as("fail-overs (ms), one per kill and freeze").hasSize(kills + pauses)
                .allSatisfy(ms -> softly.assertThat(ms).isLessThan(FAIL_OVER_LIMIT.toMillis()));
        for (SinkResult result : results) {
            String sink = result.sink().label();
            softly.assertThat(result.lost()).as("%s: expected versions lost, e.g. %s", sink, result.lostSample()).isZero();
            softly.assertThat(result.duplicates()).as("%s: duplicates, e.g. %s", sink,
                    received(result.sink()).sampleOfRepeats(3)).isZero();
            softly.assertThat(result.unreadable()).as("%s: unreadable copies (%s)", sink, files.unreadableSamples()).isZero();
            softly.assertThat(result.phantom()).as("%s: versions held that no answer held", sink).isZero();
            softly.assertThat(result.misrouted()).as("%s: versions held that are routed elsewhere", sink).isZero();
            softly.assertThat(result.keyMismatches()).as("%s: copies without the promised de-duplication key", sink)
                    .isZero();
        }
        softly.assertThat(health).as("readiness, with the details").startsWith("{\"status\":\"UP\"")
                .contains("lastPolledBy").contains("pollingHere");
        softly.assertThat(metrics).as("metrics").contains("pta_cluster_node_polling");
        softly.assertAll();
    }

    // ---- the peers and the instances

    private void startPeers() throws Exception {
        Configurator.setLevel(BROKER_LOGGER, Level.ERROR);
        simulator = PtaSimulator.start(PtaSimulator.Options.defaults()
                .withCredentials(USER, PASSWORD)
                .withTokenTtl(Duration.ofHours(4))
                .withSecurityEvents(20)
                .withRiskEvents(30)
                .withSeed(seed)
                .withLiveChanges(Duration.ofMillis(250), 2)
                .withServedAnswersRecorded());
        receivers = new Receivers(data);
        jms = receivers.jms;
        mail = receivers.mail;
        webhook = receivers.webhook;
        files = receivers.files;
    }

    private void startNode(int node) throws IOException {
        starts[node]++;
        nodeIds[node] = "node-" + (node + 1) + "-run-" + starts[node];
        managementPorts[node] = freePort();
        Path own = data.resolve("node-" + (node + 1));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dpta.base-url=" + simulator.baseUrl(),
                "-Dpta.http.allow-plain-http=true",
                "-Dpta.auth.username=" + USER,
                "-Dpta.auth.password=" + PASSWORD,
                "-Dpta.security-events.cron=* * * * * ?",
                "-Dpta.risk-events.cron=*/2 * * * * ?",
                "-Dpta.risk-events.page-size=" + RISK_PAGE_SIZE,
                "-Dpta.sink.file.directory=" + files.directory(),
                "-Dpta.sink.rejected.directory=" + own.resolve("rejected"),
                "-Dpta.delivery.dead-letter-directory=" + data.resolve("dead-letter"),
                "-Dpta.sink.jms.broker-url=" + jms.brokerUrl(),
                "-Dpta.sink.jms.embedded.data-directory=" + own.resolve("unused-embedded-broker"),
                "-Dpta.sink.email.enabled=true",
                "-Dpta.sink.email.host=127.0.0.1",
                "-Dpta.sink.email.port=" + mail.port(),
                "-Dpta.sink.email.to=soc@cluster.test",
                "-Dpta.sink.email.digest.after=1000000", // the tally counts one mail per version
                "-Dpta.sink.webhook.enabled=true",
                "-Dpta.sink.webhook.url=" + webhook.url(),
                "-Dpta.state.jdbc-url=" + server + (server.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                "-Dpta.state.username=" + dbUser,
                "-Dpta.cluster.enabled=true",
                "-Dpta.cluster.node-id=" + nodeIds[node],
                "-Dcamel.management.port=" + managementPorts[node],
                "-Dcamel.main.shutdown-timeout=20",
                "-jar", target.resolve("pta-router.jar").toString()));
        nodes[node] = AppProcess.start(command, project,
                target.resolve("cluster-" + nodeIds[node] + ".log"), "PTA_", "CAMEL_");
    }

    private void killNodes() {
        for (AppProcess node : nodes) {
            if (node != null && node.isAlive()) {
                node.resume(); // a frozen process ignores nothing but SIGKILL, yet leave it runnable for its exit
                node.kill();
            }
        }
    }

    // ---- the faults

    /** SIGKILL for the instance that began the last security events poll; it is started again at once. */
    private void killThePoller() throws IOException {
        ServedAnswer last = lastAnswer(SECURITY).orElseThrow();
        int victim = nodeOf(last.client());
        String id = nodeIds[victim];
        long sinceItsAnswer = (System.nanoTime() - last.endedNanos()) / 1_000_000;
        nodes[victim].kill();
        long killed = System.nanoTime();
        startNode(victim);
        long failOver = awaitFailOver(id, killed);
        failOvers.add(failOver);
        faults.add("SIGKILL " + id + " " + sinceItsAnswer + " ms after its last security events answer ended; "
                   + "fail-over " + failOver + " ms");
        awaitStarted(victim);
    }

    /** Until the instance's routes run (from its log: an instance may go long without a poll). */
    private void awaitStarted(int node) {
        awaitOrFail(nodeIds[node] + " starts", START_TIMEOUT, () -> nodes[node].logContains("Routes startup"));
    }

    /** SIGSTOP for the instance that has just read a security events answer, until another took over; then SIGCONT. */
    private void freezeAPoller() throws InterruptedException {
        int before = simulator.servedAnswers().size();
        ServedAnswer fresh = await("a new security events answer").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(2))
                .until(() -> newAnswer(before), Optional::isPresent).orElseThrow();
        int victim = nodeOf(fresh.client());
        nodes[victim].pause();
        long stopped = System.nanoTime();
        long failOver = awaitFailOver(nodeIds[victim], stopped);
        failOvers.add(failOver);
        // The fault injection itself: frozen a little past the take-over, so the thawed poll meets a stream moved on.
        Thread.sleep(3000);
        nodes[victim].resume();
        long resumed = System.nanoTime();
        frozen.add(new Pause(victim, nodeIds[victim], stopped, resumed));
        faults.add("SIGSTOP " + nodeIds[victim] + " " + (stopped - fresh.endedNanos()) / 1_000_000
                   + " ms after its security events answer ended, SIGCONT " + (resumed - stopped) / 1_000_000
                   + " ms later; fail-over " + failOver + " ms");
    }

    private Optional<ServedAnswer> newAnswer(int before) {
        List<ServedAnswer> answers = simulator.servedAnswers();
        return answers.subList(before, answers.size()).stream()
                .filter(answer -> answer.stream().equals(SECURITY) && answer.complete() && answer.client() != null)
                .findFirst();
    }

    /** Milliseconds from the fault to the end of the first complete security events answer another instance asked for after it. */
    private long awaitFailOver(String victim, long faultNanos) {
        Supplier<Optional<ServedAnswer>> next = () -> simulator.servedAnswers().stream()
                .filter(answer -> answer.stream().equals(SECURITY) && answer.complete() && answer.client() != null)
                .filter(answer -> !answer.client().contains("(node " + victim + ")") && answer.startedNanos() > faultNanos)
                .min(Comparator.comparingLong(ServedAnswer::startedNanos));
        try {
            ServedAnswer taken = await("another instance polls after " + victim).atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(50)).until(next::get, Optional::isPresent).orElseThrow();
            return (taken.endedNanos() - faultNanos) / 1_000_000;
        } catch (ConditionTimeoutException e) {
            return Duration.ofSeconds(90).toMillis();
        }
    }

    private Optional<ServedAnswer> lastAnswer(String stream) {
        return simulator.servedAnswers().stream().filter(answer -> answer.stream().equals(stream) && answer.client() != null)
                .max(Comparator.comparingLong(ServedAnswer::startedNanos));
    }

    private int nodeOf(String client) {
        for (int node = 0; node < NODES; node++) {
            if (client.contains("(node " + nodeIds[node] + ")")) {
                return node;
            }
        }
        throw new AssertionError("no running instance sent User-Agent '" + client + "'");
    }

    /** What the thawed instance's log says its poll did. */
    private String fenceOutcome(Pause pause) {
        Path log = target.resolve("cluster-" + pause.nodeId() + ".log");
        try {
            boolean fenced = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .anyMatch(line -> line.contains("poll lost the stream's lock"));
            return pause.nodeId() + (fenced ? ": its poll lost the stream's lock and stopped without moving the watermark"
                    : ": its poll had ended before the freeze took effect");
        } catch (IOException e) {
            return pause.nodeId() + ": log unreadable (" + e + ")";
        }
    }

    // ---- the end

    private boolean awaitQuiescence() {
        int answersAtPause = simulator.servedAnswers().size();
        try {
            await("every expected version delivered").atMost(QUIET_TIMEOUT).pollInterval(Duration.ofSeconds(1)).until(() -> {
                for (AppProcess node : nodes) {
                    node.requireAlive("delivering the last expected versions");
                }
                long polls = simulator.servedAnswers().stream().skip(answersAtPause)
                        .filter(answer -> answer.stream().equals(SECURITY) && answer.complete()).count();
                return polls >= 3 && jms.backlog() == 0 && lost(expected(simulator.servedAnswers())) == 0;
            });
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /**
     * The answers as {@link ExpectedDeliveries} reads them: the last security events answer a frozen instance read
     * before its freeze counts as unfinished, and no lower bound is passed on (its rule for a killed process's
     * watermark assumes one process after another, not several at once).
     */
    private ExpectedDeliveries expected(List<ServedAnswer> answers) {
        Set<Long> unfinished = new HashSet<>();
        for (Pause pause : frozen) {
            answers.stream().filter(answer -> answer.stream().equals(SECURITY) && answer.client() != null
                                              && answer.client().contains("(node " + pause.nodeId() + ")")
                                              && answer.startedNanos() < pause.stoppedNanos())
                    .max(Comparator.comparingLong(ServedAnswer::startedNanos))
                    .ifPresent(answer -> unfinished.add(answer.request()));
        }
        List<ServedAnswer> read = answers.stream().map(answer -> new ServedAnswer(answer.request(), answer.session(),
                answer.stream(), null, answer.complete() && !unfinished.contains(answer.request()), answer.events()))
                .toList();
        return new ExpectedDeliveries(read, simulator.securityEventHistory(), simulator.securityEventVersions());
    }

    private int lost(ExpectedDeliveries expected) {
        return receivers.lost(expected).values().stream().mapToInt(Set::size).sum();
    }

    private DeliveryTally received(Sink sink) {
        return receivers.received(sink);
    }

    private List<SinkResult> results(List<ServedAnswer> answers) {
        ExpectedDeliveries expected = expected(answers);
        Map<Sink, Set<String>> lost = receivers.lost(expected);
        List<SinkResult> results = new ArrayList<>();
        for (Sink sink : Sink.values()) {
            results.add(receivers.result(sink, expected, lost.get(sink), 0));
        }
        return results;
    }

    /** Pairs of answers of one stream, to two instances, that were open at the same time. */
    static List<String> overlaps(List<ServedAnswer> answers) {
        List<String> overlaps = new ArrayList<>();
        Map<String, List<ServedAnswer>> byStream = answers.stream().filter(answer -> answer.client() != null)
                .collect(Collectors.groupingBy(ServedAnswer::stream));
        byStream.forEach((stream, list) -> {
            List<ServedAnswer> sorted = new ArrayList<>(list);
            sorted.sort(Comparator.comparingLong(ServedAnswer::startedNanos));
            Map<String, Long> openUntil = new HashMap<>();
            for (ServedAnswer answer : sorted) {
                openUntil.forEach((client, end) -> {
                    if (!client.equals(answer.client()) && end > answer.startedNanos()) {
                        overlaps.add(stream + ": request " + answer.request() + " (" + answer.client() + ") began "
                                     + (end - answer.startedNanos()) / 1_000_000 + " ms before " + client + "'s ended");
                    }
                });
                openUntil.merge(answer.client(), answer.endedNanos(), Math::max);
            }
        });
        return overlaps;
    }

    /** Security events requests, in order, whose lower bound is below that of the one before. */
    static List<String> watermarkSteps(List<ServedAnswer> answers) {
        List<String> back = new ArrayList<>();
        Long highest = null;
        List<ServedAnswer> sorted = answers.stream()
                .filter(answer -> answer.stream().equals(SECURITY) && answer.since() != null && answer.client() != null)
                .sorted(Comparator.comparingLong(ServedAnswer::startedNanos)).toList();
        for (ServedAnswer answer : sorted) {
            if (highest != null && answer.since() < highest) {
                back.add("request " + answer.request() + " (" + answer.client() + ") asked from "
                         + Instant.ofEpochMilli(answer.since()) + " after one asked from " + Instant.ofEpochMilli(highest));
            }
            highest = highest == null ? answer.since() : Math.max(highest, answer.since());
        }
        return back;
    }

    private String report(List<SinkResult> results, List<String> overlaps, List<String> backwards, List<String> fenced,
                          Duration elapsed) {
        List<Long> sorted = new ArrayList<>(failOvers);
        Collections.sort(sorted);
        String distribution = sorted.isEmpty() ? "none" : "min " + sorted.get(0) + " ms, median "
                + sorted.get(sorted.size() / 2) + " ms, 90th percentile " + sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1)
                + " ms, max " + sorted.get(sorted.size() - 1) + " ms";
        StringBuilder md = new StringBuilder();
        md.append("## Several instances: `ClusterIT`, ").append(Instant.now()).append("\n\n");
        md.append("Three instances of the packaged app on one PostgreSQL, an Artemis broker over TCP, GreenMail, a webhook ")
          .append("receiver and one shared file folder; ").append(kills).append(" SIGKILLs of the instance polling ")
          .append("security events (each started again at once), ").append(pauses).append(" SIGSTOPs of an instance ")
          .append("that had just read an answer, held until another took over, then SIGCONT. Seed ").append(seed)
          .append(", ").append(elapsed.toSeconds()).append(" s.\n\n");
        md.append("- Fail-over (fault to the end of the next complete answer to another instance): ").append(distribution)
          .append("; all: ").append(failOvers).append(" ms\n");
        md.append("- Answers of one stream open at once for two instances: ").append(overlaps.size()).append('\n');
        md.append("- Lower bounds of security events requests that went back: ").append(backwards.size()).append('\n');
        fenced.forEach(line -> md.append("- Frozen ").append(line).append('\n'));
        md.append("\n| Sink | Expected | Delivered | Lost | Duplicated | Re-sends |\n|---|---|---|---|---|---|\n");
        for (SinkResult sink : results) {
            md.append("| ").append(sink.sink().label()).append(" | ").append(sink.expected()).append(" | ")
              .append(sink.delivered()).append(" | ").append(sink.lost()).append(" | ").append(sink.duplicates())
              .append(" | ").append(sink.resends()).append(" |\n");
        }
        md.append("\n<details><summary>Faults</summary>\n\n");
        faults.forEach(fault -> md.append("- ").append(fault).append('\n'));
        overlaps.forEach(overlap -> md.append("- overlap: ").append(overlap).append('\n'));
        backwards.forEach(step -> md.append("- back: ").append(step).append('\n'));
        md.append("\n</details>\n\n");
        md.append("CLUSTER fail-over ").append(distribution).append(" kills=").append(kills).append(" pauses=")
          .append(pauses).append(" overlaps=").append(overlaps.size()).append(" watermark-back=")
          .append(backwards.size()).append('\n');
        for (SinkResult sink : results) {
            md.append("CLUSTER sink=").append(sink.sink().label()).append(" expected=").append(sink.expected())
              .append(" delivered=").append(sink.delivered()).append(" lost=").append(sink.lost()).append(" duplicates=")
              .append(sink.duplicates()).append(" resends=").append(sink.resends()).append(" unreadable=")
              .append(sink.unreadable()).append(" phantom=").append(sink.phantom()).append('\n');
        }
        fenced.forEach(line -> md.append("CLUSTER frozen ").append(line).append('\n'));
        return md.toString();
    }

    // ---- helpers

    private String get(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "(" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private void awaitOrFail(String what, Duration atMost, BooleanSupplier done) {
        try {
            await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
                for (AppProcess node : nodes) {
                    node.requireAlive("waiting until " + what);
                }
                return done.getAsBoolean();
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + atMost + " waiting until " + what, e);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server, dbUser, "");
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private void deleteOldLogs() throws IOException {
        if (!Files.isDirectory(target)) {
            return;
        }
        try (var logs = Files.list(target)) {
            for (Path log : logs.filter(f -> f.getFileName().toString().startsWith("cluster-node-")).toList()) {
                Files.delete(log);
            }
        }
    }

    private static int freePort() throws IOException {
        return Receivers.freePort();
    }
}
