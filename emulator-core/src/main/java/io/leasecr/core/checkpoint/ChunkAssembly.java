package io.leasecr.core.checkpoint;

import java.util.concurrent.CompletionStage;
import java.util.zip.CRC32;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The chunks of one committed checkpoint read back and put together, in sequence-number order, then
 * checked whole against its marker: every chunk there, in order, the length and the CRC32 the marker
 * committed. {@link #read} reads them with a persistence query ({@code lease-cr.checkpoint.read-journal});
 * {@link #add} and {@link #problem} are the rules, without a journal.
 */
final class ChunkAssembly {

  private final CheckpointCoordinator.Marker marker;
  private final byte[] bytes;
  private int offset;
  private int count;

  ChunkAssembly(CheckpointCoordinator.Marker marker) {
    this.marker = marker;
    this.bytes = new byte[Math.toIntExact(marker.size())];
  }

  /**
   * Reads the marker's chunks from the journal. Completes with the assembly (check {@link #problem}), or
   * fails: the journal cannot be read, or a chunk is missing or foreign (the exception says which).
   */
  static CompletionStage<ChunkAssembly> read(ActorSystem<?> system, CheckpointCoordinator.Marker m) {
    String plugin = system.settings().config().hasPath("lease-cr.checkpoint.read-journal")
        ? system.settings().config().getString("lease-cr.checkpoint.read-journal") : "jdbc-read-journal";
    CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(Adapter.toClassic(system))
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, plugin);
    return journal.currentEventsByPersistenceId(m.chunksPersistenceId(), m.firstSequenceNr(),
            m.firstSequenceNr() + m.chunkCount() - 1)
        .runWith(Sink.fold(new ChunkAssembly(m), ChunkAssembly::add), Materializer.matFromSystem(system));
  }

  ChunkAssembly add(EventEnvelope e) {
    return add(e.sequenceNr(), e.event());
  }

  /** The next event of the chunks' persistence id; throws if it is not the next chunk. */
  ChunkAssembly add(long sequenceNr, Object event) {
    long expected = marker.firstSequenceNr() + count;
    if (sequenceNr != expected || !(event instanceof ChunkStore.Chunk c)) {
      throw new IllegalStateException("chunk " + (count + 1) + " of " + marker.chunkCount() + " is missing (event "
          + expected + " of " + marker.chunksPersistenceId() + ")");
    }
    if (c.data().size() > bytes.length - offset) {
      throw new IllegalStateException("its chunks hold more than the " + bytes.length + " bytes its marker says");
    }
    c.data().copyTo(bytes, offset);
    offset += c.data().size();
    count++;
    return this;
  }

  /** Why the bytes are not the image the marker committed, or null. */
  String problem() {
    if (count != marker.chunkCount()) {
      return "only " + count + " of its " + marker.chunkCount() + " chunks are in the journal ("
          + marker.chunksPersistenceId() + ")";
    }
    if (offset != bytes.length) {
      return "its chunks hold " + offset + " bytes, its marker says " + bytes.length;
    }
    CRC32 crc = new CRC32();
    crc.update(bytes);
    if ((int) crc.getValue() != marker.crc32()) {
      return String.format("its chunks are damaged: CRC32 %08x, the marker says %08x", (int) crc.getValue(),
          marker.crc32());
    }
    return null;
  }

  /** The image, once {@link #problem} is null. Not a copy. */
  byte[] bytes() {
    return bytes;
  }
}
