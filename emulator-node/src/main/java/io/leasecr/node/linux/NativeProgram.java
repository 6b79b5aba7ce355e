package io.leasecr.node.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A C program shipped in the jar (from the repository's native/ folder), built with the system gcc
 * on first use into a cache directory keyed by the source's hash.
 */
public final class NativeProgram {

  private NativeProgram() {}

  /** Thrown with the reason when this machine cannot build or run the program. */
  public static final class Unavailable extends Exception {
    public Unavailable(String why) {
      super(why);
    }
  }

  /**
   * A build cache only this user can write: the binaries run as this user (root, for conformance), so a
   * directory or file someone else could plant would be a way in. Falls back to a fresh directory.
   */
  private static Path privateDirectory() throws IOException {
    String user = System.getProperty("user.name");
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "lease-cr-native-" + user);
    java.util.Set<java.nio.file.attribute.PosixFilePermission> owner =
        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try {
        return Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(owner));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // checked below like any existing one
      }
    }
    java.nio.file.attribute.PosixFileAttributes a = Files.readAttributes(dir,
        java.nio.file.attribute.PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    if (a.isDirectory() && a.owner().getName().equals(user) && a.permissions().equals(owner)) {
      return dir;
    }
    return Files.createTempDirectory("lease-cr-native-"); // not ours to trust: build afresh
  }

  public static Path build(String name) throws Unavailable {
    if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
      throw new Unavailable("not Linux (" + System.getProperty("os.name") + ")");
    }
    byte[] source;
    try (InputStream in = NativeProgram.class.getResourceAsStream("/native/" + name + ".c")) {
      if (in == null) {
        throw new Unavailable("native/" + name + ".c is not on the classpath");
      }
      source = in.readAllBytes();
    } catch (IOException e) {
      throw new Unavailable("cannot read native/" + name + ".c: " + e.getMessage());
    }
    try {
      String hash = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(source), 0, 6);
      Path dir = privateDirectory();
      Path binary = dir.resolve(name + "-" + hash);
      if (Files.isExecutable(binary)) {
        return binary;
      }
      Path c = dir.resolve(name + "-" + hash + ".c");
      Files.write(c, source);
      Path tmp = dir.resolve(name + "-" + hash + ".tmp" + ProcessHandle.current().pid());
      Process gcc;
      try {
        gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", tmp.toString(), c.toString(), "-lpthread")
            .redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new Unavailable("gcc is not installed (" + e.getMessage() + ")");
      }
      String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
        throw new Unavailable("gcc failed to build " + name + ".c: " + out.strip());
      }
      Files.move(tmp, binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return binary;
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new Unavailable("cannot build " + name + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted");
    }
  }
}
