package io.ptarouter.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process fake PVWA with PTA over real HTTP, following PTA-API.md: logon and logoff, expiring tokens, security
 * events that change in place, and paged risk events. The demo, the end-to-end tests and the benchmark run against it.
 */
public final class PtaSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PtaSimulator.class);

    /**
     * What to simulate. {@code port} 0 picks a free port; {@code changeInterval} ZERO turns background changes off.
     * {@code generatedSecurityEvents} makes the {@code securityEvents} on the fly for every answer instead of keeping
     * them (for answers of a million events): then they neither change nor can be patched, nor are their answers
     * recorded. Each change step raises a new event and makes {@code updatesPerChange} updates (see {@link #tick()}).
     * {@code recordServedAnswers} keeps what every events and risk events answer held ({@link #servedAnswers()}), for
     * tests that check a client delivered every version it could have seen; it grows with every answer.
     */
    public record Options(String host, int port, String username, String password, Duration tokenTtl,
                          int securityEvents, int riskEvents, Duration changeInterval, long seed,
                          boolean generatedSecurityEvents, int updatesPerChange, boolean recordServedAnswers) {

        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            Objects.requireNonNull(tokenTtl, "tokenTtl");
            Objects.requireNonNull(changeInterval, "changeInterval");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            if (tokenTtl.isNegative() || tokenTtl.isZero()) {
                throw new IllegalArgumentException("tokenTtl must be positive: " + tokenTtl);
            }
            if (securityEvents < 0 || riskEvents < 0) {
                throw new IllegalArgumentException("event counts must not be negative");
            }
            if (changeInterval.isNegative()) {
                throw new IllegalArgumentException("changeInterval must not be negative: " + changeInterval);
            }
            if (updatesPerChange < 0) {
                throw new IllegalArgumentException("updatesPerChange must not be negative: " + updatesPerChange);
            }
        }

        /** The options as they were before {@code updatesPerChange} and {@code recordServedAnswers}: 1 and false. */
        public Options(String host, int port, String username, String password, Duration tokenTtl,
                       int securityEvents, int riskEvents, Duration changeInterval, long seed,
                       boolean generatedSecurityEvents) {
            this(host, port, username, password, tokenTtl, securityEvents, riskEvents, changeInterval, seed,
                    generatedSecurityEvents, 1, false);
        }

        public static Options defaults() {
            return new Options("127.0.0.1", 0, "pta-reader", "demo-password", Duration.ofMinutes(5),
                    40, 250, Duration.ofSeconds(5), 42L, false, 1, false);
        }

        public Options withHost(String newHost) {
            return new Options(newHost, port, username, password, tokenTtl, securityEvents, riskEvents,
                    changeInterval, seed, generatedSecurityEvents, updatesPerChange, recordServedAnswers);
        }

        public Options withPort(int newPort) {
            return new Options(host, newPort, username, password, tokenTtl, securityEvents, riskEvents,
                    changeInterval, seed, generatedSecurityEvents, updatesPerChange, recordServedAnswers);
        }

        public Options withCredentials(String newUsername, String newPassword) {
            return new Options(host, port, newUsername, newPassword, tokenTtl, securityEvents, riskEvents,
                    changeInterval, seed, generatedSecurityEvents, updatesPerChange, recordServedAnswers);
        }

        public Options withTokenTtl(Duration newTokenTtl) {
            return new Options(host, port, username, password, newTokenTtl, securityEvents, riskEvents,
                    changeInterval, seed, generatedSecurityEvents, updatesPerChange, recordServedAnswers);
        }

        public Options withSecurityEvents(int count) {
            return new Options(host, port, username, password, tokenTtl, count, riskEvents, changeInterval, seed,
                    generatedSecurityEvents, updatesPerChange, recordServedAnswers);
        }

        public Options withRiskEvents(int count) {
            return new Options(host, port, username, password, tokenTtl, securityEvents, count, changeInterval, seed,
                    generatedSecurityEvents, updatesPerChange, recordServedAnswers);
        }

        public Options withChangeInterval(Duration newChangeInterval) {
            return new Options(host, port, username, password, tokenTtl, securityEvents, riskEvents,
                    newChangeInterval, seed, generatedSecurityEvents, updatesPerChange, recordServedAnswers);
        }

        /** {@code count} security events generated on the fly, identical in every answer and never stored. */
        public Options withGeneratedSecurityEvents(int count) {
            return new Options(host, port, username, password, tokenTtl, count, riskEvents, changeInterval, seed, true,
                    updatesPerChange, recordServedAnswers);
        }

        public Options withSeed(long newSeed) {
            return new Options(host, port, username, password, tokenTtl, securityEvents, riskEvents,
                    changeInterval, newSeed, generatedSecurityEvents, updatesPerChange, recordServedAnswers);
        }

        /**
         * Live traffic: every {@code interval} a new event is raised and {@code updatesPerChange} events are updated
         * (new audits, every fourth update closing one), some of them again before a client polls.
         */
        public Options withLiveChanges(Duration interval, int newUpdatesPerChange) {
            return new Options(host, port, username, password, tokenTtl, securityEvents, riskEvents,
                    interval, seed, generatedSecurityEvents, newUpdatesPerChange, recordServedAnswers);
        }

        /** Keep what every events and risk events answer held, see {@link PtaSimulator#servedAnswers()}. */
        public Options withServedAnswersRecorded() {
            return new Options(host, port, username, password, tokenTtl, securityEvents, riskEvents,
                    changeInterval, seed, generatedSecurityEvents, updatesPerChange, true);
        }
    }

    private final Options options;
    private final HttpServer server;
    private final ExecutorService httpThreads;
    private final ScheduledExecutorService changeThread;
    private final Sessions sessions;
    private final SecurityEventStore securityEvents;
    private final GeneratedSecurityEvents generatedEvents;
    private final RiskEventStore riskEvents;
    private final PvwaHandler handler;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Held while a background change step runs, so that {@link #pauseChanges()} returns only after it ended. */
    private final Object changeLock = new Object();
    private boolean changesPaused;

    private PtaSimulator(Options options) throws IOException {
        this.options = options;
        long now = System.currentTimeMillis();
        this.sessions = new Sessions(options.tokenTtl(), System::nanoTime);
        boolean generated = options.generatedSecurityEvents();
        this.securityEvents = new SecurityEventStore(generated ? 0 : options.securityEvents(), options.seed(),
                System::currentTimeMillis);
        this.generatedEvents = generated ? new GeneratedSecurityEvents(options.securityEvents(), options.seed(), now) : null;
        this.riskEvents = new RiskEventStore(options.riskEvents(), options.seed(), now);
        this.handler = new PvwaHandler(options.username(), options.password(), sessions, securityEvents, generatedEvents,
                riskEvents, new ObjectMapper(), options.seed());
        if (options.recordServedAnswers()) {
            handler.recordServedAnswers();
        }
        this.server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
        this.httpThreads = Executors.newCachedThreadPool(daemonThreads("pta-simulator-http"));
        server.setExecutor(httpThreads);
        server.createContext("/", handler);
        this.changeThread = options.changeInterval().isZero() || generated
                ? null
                : Executors.newSingleThreadScheduledExecutor(daemonThreads("pta-simulator-changes"));
    }

    public static PtaSimulator start(Options options) {
        PtaSimulator simulator;
        try {
            simulator = new PtaSimulator(options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the PTA simulator to " + options.host() + ":" + options.port(), e);
        }
        simulator.server.start();
        if (simulator.changeThread != null) {
            long interval = options.changeInterval().toMillis();
            simulator.changeThread.scheduleAtFixedRate(simulator::tickQuietly, interval, Math.max(1, interval),
                    TimeUnit.MILLISECONDS);
        }
        LOG.info("PTA simulator listening on {} with {} {}security and {} risk events, changes every {}",
                simulator.baseUrl(), options.securityEvents(), options.generatedSecurityEvents() ? "generated " : "",
                options.riskEvents(), simulator.changeThread == null ? "never" : options.changeInterval());
        return simulator;
    }

    public String baseUrl() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public Options options() {
        return options;
    }

    /**
     * One change step now: a new security event appears and an open one aggregates another audit. With
     * {@code updatesPerChange} above 1, the further updates go to recently raised open events.
     */
    public void tick() {
        securityEvents.tick(options.updatesPerChange());
    }

    /** Stops the background changes; when this returns, no change step is running or will run until resumed. */
    public void pauseChanges() {
        synchronized (changeLock) {
            changesPaused = true;
        }
    }

    public void resumeChanges() {
        synchronized (changeLock) {
            changesPaused = false;
        }
    }

    public int logonCount() {
        return sessions.logonCount();
    }

    public int logoffCount() {
        return sessions.logoffCount();
    }

    /** PTA calls (events and risk events) answered 401. */
    public int rejectedCallCount() {
        return handler.rejectedCallCount();
    }

    /** Logons answered 403 for wrong credentials. */
    public int rejectedLogonCount() {
        return handler.rejectedLogonCount();
    }

    public void expireAllTokens() {
        sessions.expireAll();
    }

    /** Every request as "METHOD /path?rawquery", oldest first. */
    public List<String> requestLog() {
        return handler.requestLog();
    }

    public int securityEventCount() {
        return generatedEvents != null ? generatedEvents.size() : securityEvents.size();
    }

    public int riskEventCount() {
        return riskEvents.size();
    }

    /** Every security event id with its current lastUpdateTime: what a client that missed nothing has delivered. */
    public Map<String, Long> securityEventVersions() {
        return securityEvents.versions();
    }

    /**
     * Every security event id with every lastUpdateTime it ever had, oldest first: each version produced, including
     * the ones superseded before any answer held them.
     */
    public Map<String, List<Long>> securityEventHistory() {
        return securityEvents.history();
    }

    /**
     * What every security events and risk events answer held, in the order the requests arrived, with the session
     * that asked; empty unless {@link Options#recordServedAnswers()}. Answers of generated events are not recorded.
     */
    public List<ServedAnswer> servedAnswers() {
        return handler.servedAnswers();
    }

    /** Id to every version of the stream's events that at least one answer held, oldest first. */
    public Map<String, SortedSet<Long>> servedVersions(String stream) {
        Map<String, SortedSet<Long>> versions = new LinkedHashMap<>();
        for (ServedAnswer answer : servedAnswers()) {
            if (answer.stream().equals(stream)) {
                answer.events().forEach(event -> versions.computeIfAbsent(event.id(), id -> new TreeSet<>())
                        .add(event.version()));
            }
        }
        return versions;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (changeThread != null) {
            changeThread.shutdownNow();
        }
        server.stop(0);
        httpThreads.shutdownNow();
        LOG.info("PTA simulator on port {} stopped", server.getAddress().getPort());
    }

    /** Starts a simulator for manual use: {@code java ... io.ptarouter.simulator.PtaSimulator [port]}. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18080;
        Options options = Options.defaults().withPort(port);
        PtaSimulator simulator = start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "pta-simulator-shutdown"));
        System.out.println("PTA simulator at " + simulator.baseUrl()
                + " (user " + options.username() + ", password " + options.password() + "); Ctrl-C stops it");
        stopped.await();
    }

    private void tickQuietly() {
        synchronized (changeLock) {
            if (changesPaused) {
                return;
            }
            try {
                tick();
            } catch (RuntimeException e) {
                // An exception would cancel the schedule for good; one failed step should not.
                LOG.warn("simulated change failed", e);
            }
        }
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
