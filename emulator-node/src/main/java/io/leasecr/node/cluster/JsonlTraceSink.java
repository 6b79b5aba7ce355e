package io.leasecr.node.cluster;

import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceJson;
import io.leasecr.core.trace.TraceSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A node's trace, one JSON line per event, flushed line by line: a node killed with SIGKILL leaves
 * every event it emitted before. Actors of a cluster node run on many threads, hence the lock.
 */
public final class JsonlTraceSink implements TraceSink, AutoCloseable {

  private final BufferedWriter out;

  public JsonlTraceSink(Path file) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      this.out = Files.newBufferedWriter(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void emit(TraceEvent event) {
    try {
      out.write(TraceJson.line(event));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      // a full disk must not stop the emulation; the drill reports the trace as incomplete
    }
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
