package io.leasecr.node.cluster;

import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.FlockLock;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OfdLock;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.image.Process;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The parts of an image a partial restart sends: to each inode's lease table its open files, their leases and
 * locks, and the chosen processes that have it open or are blocked in a call (so a restore message stays small
 * with many files); to each process its image and the files it has open. Indexed once for the whole restart.
 * The drill's driver cuts batches out of it ({@link #tableBatch}, {@link #processBatch}); the node's fan-out
 * ({@link RestoreBatches}) indexes a batch's image the same way and gets, entity by entity, the very parts
 * the driver would have sent.
 */
public final class RestoreSlices {
  private final CheckpointImage image;
  private final Map<Long, OpenFile> files = new HashMap<>();
  private final Map<Long, List<OpenFile>> filesOfIno = new HashMap<>();
  private final Map<Long, List<Lease>> leasesOfIno = new HashMap<>();
  private final Map<Long, List<PosixLock>> locksOfIno = new HashMap<>();
  private final Map<Long, List<FlockLock>> flocksOfIno = new HashMap<>();
  private final Map<Long, List<OfdLock>> ofdLocksOfIno = new HashMap<>();
  private final Map<Long, Set<Process>> holders = new java.util.LinkedHashMap<>();
  /** Each chosen process's place in {@code chosen} (by identity), and those blocked in a call. */
  private final Map<Process, Integer> position = new IdentityHashMap<>();
  private final List<Process> pending = new ArrayList<>();
  private final Map<Integer, Process> byPid = new HashMap<>();

  public RestoreSlices(CheckpointImage image, List<Process> chosen) {
    this.image = image;
    for (OpenFile f : image.getFilesList()) {
      files.put(f.getId(), f);
      filesOfIno.computeIfAbsent(f.getIno(), k -> new ArrayList<>()).add(f);
    }
    for (Lease l : image.getLeasesList()) {
      OpenFile f = files.get(l.getFileId());
      if (f != null) {
        leasesOfIno.computeIfAbsent(f.getIno(), k -> new ArrayList<>()).add(l);
      }
    }
    image.getPosixLocksList().forEach(l -> locksOfIno.computeIfAbsent(l.getIno(), k -> new ArrayList<>()).add(l));
    image.getFlockLocksList().forEach(l -> flocksOfIno.computeIfAbsent(l.getIno(), k -> new ArrayList<>()).add(l));
    image.getOfdLocksList().forEach(l -> ofdLocksOfIno.computeIfAbsent(l.getIno(), k -> new ArrayList<>()).add(l));
    for (Process p : chosen) {
      position.put(p, position.size());
      byPid.putIfAbsent(p.getSpec().getPid(), p);
      if (p.hasPending()) {
        pending.add(p);
      }
      for (long id : p.getFdsMap().values()) {
        OpenFile f = files.get(id);
        if (f != null) {
          holders.computeIfAbsent(f.getIno(), k -> new LinkedHashSet<>()).add(p);
        }
      }
    }
  }

  /** The inodes the chosen processes had open. */
  public Set<Long> inodes() {
    return holders.keySet();
  }

  /** Whether the image has an open file of {@code ino} (a table's batch must carry its files). */
  boolean hasFileOf(long ino) {
    return filesOfIno.containsKey(ino);
  }

  /** The chosen process of {@code pid}, or null. */
  Process process(int pid) {
    return byPid.get(pid);
  }

  /** The image header (id, time, sysctls) without any process, file, lease or lock. */
  private CheckpointImage.Builder header() {
    return image.toBuilder().clearProcesses().clearFiles().clearLeases().clearPosixLocks().clearFlockLocks()
        .clearOfdLocks();
  }

  /** The part of the image {@code ino}'s lease table gets back. */
  public CheckpointImage of(long ino) {
    CheckpointImage.Builder b = header()
        .addAllFiles(filesOfIno.getOrDefault(ino, List.of())).addAllLeases(leasesOfIno.getOrDefault(ino, List.of()))
        .addAllPosixLocks(locksOfIno.getOrDefault(ino, List.of()))
        .addAllFlockLocks(flocksOfIno.getOrDefault(ino, List.of()))
        .addAllOfdLocks(ofdLocksOfIno.getOrDefault(ino, List.of()));
    // the chosen processes that had it open, and every one blocked in a call, in the order of chosen: found
    // through indexes built once (a scan of every chosen process per inode was quadratic: 27 s of the 100k
    // drill's restore went there, on the driver's thread)
    holdersOf(ino).forEach(b::addProcesses);
    return b.build();
  }

  private java.util.Collection<Process> holdersOf(long ino) {
    Set<Process> mine = holders.getOrDefault(ino, Set.of());
    if (pending.isEmpty()) {
      return mine; // already in the order of chosen
    }
    TreeMap<Integer, Process> ordered = new TreeMap<>();
    mine.forEach(p -> ordered.put(position.get(p), p));
    pending.forEach(p -> ordered.put(position.get(p), p));
    return ordered.values();
  }

  /** The open files {@code p} has, once each, by id. */
  public List<OpenFile> filesOf(Process p) {
    return new TreeSet<>(p.getFdsMap().values()).stream().map(files::get).filter(Objects::nonNull).toList();
  }

  /** The inodes of the open files {@code p} has. */
  public Set<Long> inosOf(Process p) {
    Set<Long> inos = new java.util.HashSet<>();
    for (long id : p.getFdsMap().values()) {
      OpenFile f = files.get(id);
      if (f != null) {
        inos.add(f.getIno());
      }
    }
    return inos;
  }

  /**
   * One batch of lease tables as one image: the files, leases and locks of {@code inos} and every process
   * any of their parts names, in the order of chosen. {@code of(ino)} of a RestoreSlices over this image (and
   * its processes) is the same as this one's.
   */
  public CheckpointImage tableBatch(List<Long> inos) {
    CheckpointImage.Builder b = header();
    TreeMap<Integer, Process> processes = new TreeMap<>();
    for (long ino : inos) {
      b.addAllFiles(filesOfIno.getOrDefault(ino, List.of())).addAllLeases(leasesOfIno.getOrDefault(ino, List.of()))
          .addAllPosixLocks(locksOfIno.getOrDefault(ino, List.of()))
          .addAllFlockLocks(flocksOfIno.getOrDefault(ino, List.of()))
          .addAllOfdLocks(ofdLocksOfIno.getOrDefault(ino, List.of()));
      holdersOf(ino).forEach(p -> processes.put(position.get(p), p));
    }
    return b.addAllProcesses(processes.values()).build();
  }

  /** One batch of processes as one image: their images, in the order given, and the files they have open. */
  public CheckpointImage processBatch(List<Process> batch) {
    CheckpointImage.Builder b = header().addAllProcesses(batch);
    Set<Long> seen = new java.util.HashSet<>();
    for (Process p : batch) {
      for (OpenFile f : filesOf(p)) {
        if (seen.add(f.getId())) {
          b.addFiles(f);
        }
      }
    }
    return b.build();
  }
}
