package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** An inode's open descriptions held as one field or a map behave as the HashMap they replace. */
class OpenFilesTest {
  private static final Inode F = new Inode(2201, "00:2a", "/f", 0, Inode.Kind.REGULAR, true);

  /** An operation: a put of a new description under id, or (negative) a remove of -id. */
  @Provide
  Arbitrary<List<Integer>> ops() {
    return Arbitraries.integers().between(-4, 4).filter(i -> i != 0).list().ofMaxSize(30);
  }

  @Property(tries = 300)
  void behavesAsAMapById(@ForAll("ops") List<Integer> ops) {
    OpenFiles files = new OpenFiles();
    Map<Long, OpenFile> want = new HashMap<>();
    for (int op : ops) {
      long id = Math.abs(op);
      if (op > 0) {
        OpenFile f = new OpenFile(id, F, AccessMode.O_RDONLY, false);
        files.put(id, f);
        want.put(id, f);
      } else {
        files.remove(id);
        want.remove(id);
      }
      for (long k = 1; k <= 4; k++) {
        assertThat(files.get(k)).isSameAs(want.get(k));
        assertThat(files.containsKey(k)).isEqualTo(want.containsKey(k));
      }
      assertThat(files.isEmpty()).isEqualTo(want.isEmpty());
      assertThat(files.size()).isEqualTo(want.size());
      assertThat(new HashSet<>(files.values())).isEqualTo(new HashSet<>(want.values()));
      assertThat(files.values()).hasSize(want.size());
    }
  }
}
