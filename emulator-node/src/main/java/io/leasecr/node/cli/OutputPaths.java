package io.leasecr.node.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Output paths, checked before a command starts its work (is it a directory, can it be written), and
 * files written whole or not at all: into a temporary file beside the target, moved over it at the end,
 * removed on every failure. Errors say which file and why, in the words of the operating system.
 */
final class OutputPaths {

  private OutputPaths() {}

  /** Writes the content of a file. */
  interface Content {
    void write(Writer w) throws IOException;
  }

  /**
   * Checks that {@code file} (given as {@code option}) can be written: not a directory, its directory
   * exists, and a file can be created there (a probe file is made and removed). Writes nothing else.
   */
  static void checkFile(String option, Path file) {
    checkFile(option, file, false);
  }

  /** As {@link #checkFile(String, Path)}; with {@code makeParents}, a missing directory is made instead. */
  static void checkFile(String option, Path file, boolean makeParents) {
    if (Files.isDirectory(file)) {
      throw new Failure(Main.BAD_INPUT, option + " " + file + ": is a directory");
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null) {
      throw new Failure(Main.BAD_INPUT, option + " " + file + ": not a file");
    }
    if (!makeParents && !Files.isDirectory(dir)) {
      throw new Failure(Main.BAD_INPUT, option + " " + file + ": " + (Files.exists(dir) ? dir + " is not a directory"
          : "no directory " + dir));
    }
    probe(option + " " + file, dir);
  }

  /** Checks that {@code dir} is, or can be made, a directory where files can be created; makes it. */
  static void checkDirectory(String option, Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new Failure(Main.BAD_INPUT, option + " " + dir + ": not a directory");
    }
    probe(option + " " + dir, dir.toAbsolutePath());
  }

  /**
   * Checks that {@code dir} is, or could be made, a directory where files can be created: nothing is
   * made, and only a probe file is created and removed in its nearest existing directory.
   */
  static void checkDirectoryWithoutMaking(String what, Path dir) {
    Path p = dir.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    if (p == null) {
      return;
    }
    if (!Files.isDirectory(p)) {
      throw new Failure(Main.BAD_INPUT, what + ": " + (p.equals(dir.toAbsolutePath()) ? "" : p + " is ")
          + "not a directory");
    }
    try {
      Files.delete(Files.createTempFile(p, ".emulator-probe", ".tmp"));
    } catch (IOException e) {
      throw new Failure(Main.BAD_INPUT, what + ": cannot write there: " + why(e));
    }
  }

  private static void probe(String what, Path dir) {
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && !Files.isDirectory(existing)) {
      throw new Failure(Main.BAD_INPUT, what + ": " + existing + " is not a directory");
    }
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".emulator-probe", ".tmp");
      Files.delete(tmp);
    } catch (IOException e) {
      throw new Failure(Main.BAD_INPUT, what + ": cannot write there: " + why(e));
    }
  }

  /** Writes {@code target} through a temporary file beside it; the temporary file never outlives a failure. */
  static void write(Path target, Content content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = temporaryBeside(dir, target);
    try {
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        content.write(w);
      }
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * A new empty file {@code .NAME.RANDOM.tmp} in {@code dir}, made with the default permissions (the
   * umask's, as the target would get; Files.createTempFile would make it owner-only).
   */
  private static Path temporaryBeside(Path dir, Path target) throws IOException {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; ; attempt++) {
      Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(random.nextLong(), 36) + ".tmp");
      try {
        return Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  static void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Why a file operation failed, in words ("read-only file system", "permission denied"). */
  static String why(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "a file is in the way";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "is a directory that is not empty";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(Locale.ROOT);
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? "input/output error" : m;
  }
}
