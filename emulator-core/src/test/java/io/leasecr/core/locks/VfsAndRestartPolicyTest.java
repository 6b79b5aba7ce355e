package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The file namespace a run declares, and the restart policies' edges (a break saved right at its deadline). */
class VfsAndRestartPolicyTest {

  @Test
  void inodesAreNumberedFrom1001InDeclarationOrderAndAPathIsDeclaredOnce() {
    Vfs vfs = Vfs.builder().file("/b", 0, Inode.Kind.REGULAR, true).file("/a", 1000, Inode.Kind.FIFO, false).build();
    assertThat(vfs.lookup("/b")).isEqualTo(new Inode(1001, Vfs.DEV, "/b", 0, Inode.Kind.REGULAR, true));
    assertThat(vfs.lookup("/a")).isEqualTo(new Inode(1002, Vfs.DEV, "/a", 1000, Inode.Kind.FIFO, false));
    assertThat(vfs.lookup("/c")).isNull();
    assertThat(vfs.inodes()).extracting(Inode::path).containsExactly("/b", "/a");
    assertThatThrownBy(() -> Vfs.builder().file("/b", 0, Inode.Kind.REGULAR, true).file("/b", 0, Inode.Kind.REGULAR, true))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("file declared twice: /b");
  }

  @Test
  void aBreakSavedAtItsDeadlineHasNothingLeftWhichIsNotNoDeadline() {
    assertThat(RestartPolicy.REMAINING.timeLeft(0, 45)).isZero();
    assertThat(RestartPolicy.REMAINING.timeLeft(-1, 45)).isEqualTo(-1);
    assertThat(RestartPolicy.parse("delta:+2s").timeLeft(0, 45)).isEqualTo(2000);
    assertThat(new RestartPolicy(RestartPolicy.Kind.DELTA, 0).toString()).isEqualTo("delta:+0ms");
    assertThat(new RestartPolicy(RestartPolicy.Kind.DELTA, -1500).toString()).isEqualTo("delta:-1500ms");
    assertThat(RestartPolicy.parse(" delta:-1500ms ")).isEqualTo(new RestartPolicy(RestartPolicy.Kind.DELTA, -1500));
  }
}
