package io.ptarouter.sink;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;

import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;

/**
 * The file sink: one NDJSON line per event in {@code <directory>/<stream>-<yyyy-MM-dd>.ndjson}
 * (UTC). A poll keeps each file open with a large buffer and, when it ends, flushes and fsyncs
 * it before the watermark moves. Camel's file component opens and closes the file for every
 * event and never forces it to disk, which is both slow and not durable.
 */
public final class NdjsonFiles {

    private static final int BUFFER = 256 * 1024;

    private final Path directory;
    private final Clock clock;

    public NdjsonFiles(Path directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
    }

    public void append(Exchange exchange) throws IOException {
        Poll poll = PollTracker.poll(exchange);
        String stream = exchange.getMessage().getHeader(EventClassifier.STREAM, String.class);
        String line = exchange.getMessage().getBody(String.class);
        // The stream name comes from the poll, never from event data, so it cannot steer the path.
        Path file = directory.resolve(stream + "-" + LocalDate.now(clock) + ".ndjson");
        poll.batch("file", Batch::new).writer(file).append(line).append('\n');
    }

    /** The files one poll has open. */
    private static final class Batch implements PollBatch {

        private final Map<Path, OpenFile> open = new LinkedHashMap<>();

        BufferedWriter writer(Path file) throws IOException {
            OpenFile handle = open.get(file);
            if (handle == null) {
                Files.createDirectories(file.getParent());
                FileOutputStream out = new FileOutputStream(file.toFile(), true);
                handle = new OpenFile(out.getChannel(),
                        new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), BUFFER));
                open.put(file, handle);
            }
            return handle.writer();
        }

        @Override
        public void complete() throws IOException {
            IOException failure = null;
            for (OpenFile handle : open.values()) {
                try (BufferedWriter writer = handle.writer()) {
                    writer.flush();
                    handle.channel().force(false);
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            open.clear();
            if (failure != null) {
                throw failure;
            }
        }
    }

    private record OpenFile(FileChannel channel, BufferedWriter writer) {
    }
}
