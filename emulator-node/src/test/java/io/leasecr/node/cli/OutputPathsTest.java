package io.leasecr.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output files are written whole or not at all, and leave no temporary file behind on any failure. */
class OutputPathsTest {

  @TempDir Path tmp;

  private long files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  @Test
  void aFailedWriteKeepsTheOldFileAndLeavesNoTemporaryFile() throws IOException {
    Path target = tmp.resolve("out.txt");
    Files.writeString(target, "old");
    assertThatThrownBy(() -> OutputPaths.write(target, w -> {
      w.write("half of it");
      throw new IOException("disk full");
    })).hasMessage("disk full");
    assertThat(Files.readString(target)).isEqualTo("old");
    assertThat(files(tmp)).isEqualTo(1);
    OutputPaths.write(target, w -> w.write("new"));
    assertThat(Files.readString(target)).isEqualTo("new");
    assertThat(files(tmp)).isEqualTo(1);
  }

  @Test
  void aDirectoryInTheWayIsRefusedBeforeAndCleanedAfter() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("d"));
    Files.writeString(dir.resolve("keep"), "x");
    assertThatThrownBy(() -> OutputPaths.checkFile("--out", dir)).hasMessage("--out " + dir + ": is a directory");
    // past the check (the directory appeared later): the move fails, the temporary file goes
    assertThatThrownBy(() -> OutputPaths.write(dir, w -> w.write("x"))).isInstanceOf(IOException.class);
    assertThat(files(tmp)).isEqualTo(1);
    assertThat(files(dir)).isEqualTo(1);
  }

  @Test
  void checksSayWhatAndWhyInWords() {
    assertThatThrownBy(() -> OutputPaths.checkFile("--out", Path.of("/proc/x.img")))
        .hasMessage("--out /proc/x.img: cannot write there: no such file or directory");
    assertThatThrownBy(() -> OutputPaths.checkDirectory("--out", Path.of("/etc/hostname")))
        .hasMessage("--out /etc/hostname: not a directory");
    assertThatThrownBy(() -> OutputPaths.checkDirectory("--out", Path.of("/etc/hostname/sub")))
        .hasMessage("--out /etc/hostname/sub: /etc/hostname is not a directory");
    assertThatThrownBy(() -> OutputPaths.checkDirectoryWithoutMaking("--data /etc/hostname", Path.of("/etc/hostname")))
        .hasMessage("--data /etc/hostname: not a directory");
    assertThat(OutputPaths.why(new java.nio.file.FileSystemException("/x", null, "Read-only file system")))
        .isEqualTo("read-only file system");
    assertThat(OutputPaths.why(new java.nio.file.AccessDeniedException("/x"))).isEqualTo("permission denied");
  }
}
