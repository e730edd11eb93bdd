package io.ptarouter.transport;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.classic.ExecRuntime;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

/**
 * A deadline for a whole answer, which HttpClient's per-read timeout is not: a peer that sends one
 * byte a second never trips a read timeout. Until the status line and headers are in, a timer cuts
 * the connection at the deadline; the body then gets what is left of it, counted as the time spent
 * waiting in reads only (the time the poll spends delivering the events read so far is not the
 * peer's), so a read can overshoot it by one read timeout at most. Outermost in HttpClient's chain:
 * the body it sees is the decompressed one. A body closed before its end cuts the connection too,
 * rather than letting HttpClient read the rest to reuse it (an answer that never ends never would),
 * and of an error's body only the first 64 KiB are read (Camel keeps it whole in its exception).
 */
final class AnswerDeadline implements ExecChainHandler {

    static final String NAME = "pta-answer-deadline";

    /** One daemon thread for every transport: it only cuts connections whose headers are late. */
    private static final ScheduledThreadPoolExecutor TIMER = DaemonTimer.named("pta-answer-deadline");

    private final Duration timeout;
    private final String setting;

    AnswerDeadline(Duration timeout, String setting) {
        this.timeout = timeout;
        this.setting = setting;
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        long started = System.nanoTime();
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> cut = TIMER.schedule(() -> {
            expired.set(true);
            scope.execRuntime.discardEndpoint();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        ClassicHttpResponse response;
        try {
            response = chain.proceed(request, scope);
        } catch (IOException | HttpException | RuntimeException e) {
            cut.cancel(false);
            if (expired.get()) {
                throw exceeded("before its headers were complete", e);
            }
            throw e;
        }
        cut.cancel(false);
        if (expired.get()) {
            response.close();
            throw exceeded("before its headers were complete", null);
        }
        HttpEntity entity = response.getEntity();
        if (entity != null) {
            long left = timeout.toNanos() - (System.nanoTime() - started);
            // Camel reads an error's body whole, into its exception: only its start is worth that.
            long bytes = response.getCode() >= 300 ? ERROR_BODY_BYTES : Long.MAX_VALUE;
            response.setEntity(new Bounded(entity, left, bytes, scope.execRuntime));
        }
        return response;
    }

    private AnswerTimeoutException exceeded(String when, Exception cause) {
        AnswerTimeoutException e = new AnswerTimeoutException("the answer did not come whole within " + setting + " ("
                + describe(timeout) + ", " + when + "); the connection was closed");
        if (cause != null) {
            e.addSuppressed(cause);
        }
        return e;
    }

    private static String describe(Duration duration) {
        return duration.toSeconds() >= 1 && duration.toMillisPart() == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    private final class Bounded extends HttpEntityWrapper {

        private final long budgetNanos;
        private final long maxBytes;
        private final ExecRuntime runtime;
        private InputStream content;

        Bounded(HttpEntity entity, long budgetNanos, long maxBytes, ExecRuntime runtime) {
            super(entity);
            this.budgetNanos = budgetNanos;
            this.maxBytes = maxBytes;
            this.runtime = runtime;
        }

        @Override
        public synchronized InputStream getContent() throws IOException {
            if (content == null) {
                content = new Budget(super.getContent(), budgetNanos, maxBytes, runtime);
            }
            return content;
        }

        @Override
        public boolean isStreaming() {
            return true;
        }
    }

    private final class Budget extends FilterInputStream {

        private long leftNanos;
        private long leftBytes;
        private final ExecRuntime runtime;
        private boolean ended;

        Budget(InputStream in, long budgetNanos, long maxBytes, ExecRuntime runtime) {
            super(in);
            this.leftNanos = budgetNanos;
            this.leftBytes = maxBytes;
            this.runtime = runtime;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int read = read(one, 0, 1);
            return read < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (leftNanos <= 0) {
                runtime.discardEndpoint();
                throw exceeded("while its body was read", null);
            }
            if (leftBytes <= 0) {
                return -1; // the rest is not read: close() cuts the connection
            }
            long started = System.nanoTime();
            int read = in.read(buffer, offset, (int) Math.min(length, leftBytes));
            leftNanos -= System.nanoTime() - started;
            if (read < 0) {
                ended = true;
            } else {
                leftBytes -= read;
            }
            return read;
        }

        private void drainALittle() {
            byte[] rest = new byte[8192];
            try {
                for (int drained = 0; !ended && leftNanos > 0 && leftBytes > 0 && drained < DRAINED; ) {
                    int read = read(rest, 0, rest.length);
                    if (read < 0) {
                        break;
                    }
                    drained += read;
                }
            } catch (IOException e) {
                // the connection is broken: it is discarded below
            }
        }

        @Override
        public void close() throws IOException {
            drainALittle();
            if (!ended) {
                // More unread content: cut the connection instead of reading the rest (perhaps forever) to reuse it.
                runtime.discardEndpoint();
                try {
                    in.close();
                } catch (IOException closedUnderIt) {
                    // the socket is closed already; nothing more to release
                }
                return;
            }
            in.close();
        }
    }

    /** How much of an error's body (a status of 300 or more) is read. */
    private static final long ERROR_BODY_BYTES = 1 << 16;
    /** A parser that stops at the closing bracket leaves a few bytes at most: read, the connection can be reused. */
    private static final int DRAINED = 1 << 16;
}
