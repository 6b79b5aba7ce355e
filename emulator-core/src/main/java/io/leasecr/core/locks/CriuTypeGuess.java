package io.leasecr.core.locks;

/**
 * How {@code mode: criu} guesses the type a broken lease had before its break, which CRIU's image does not keep
 * (only the target type, with LEASE_BREAKING): restore_lease_prebreaking_state() in criu/file-lock.c takes the
 * lease again with that type and then re-breaks it with an O_NONBLOCK open.
 *
 * <ul>
 *   <li>{@link #FILE_TYPE}: CRIU 4.2 as released. It masks the fd's <em>file type</em> ({@code FD_TYPES__REG} = 1)
 *       with O_ACCMODE, which reads as O_WRONLY: F_WRLCK for every regular file, whatever the open mode.
 *   <li>{@link #OPEN_MODE}: the evident intent, CRIU with third_party/criu/patches/lease-type-guess.patch
 *       ({@code build.sh --fixed-guess}): the description's open mode, F_RDLCK for O_RDONLY, else F_WRLCK. A
 *       write lease on an O_RDONLY description broken by a reader then comes back as F_RDLCK, which the
 *       O_RDONLY|O_NONBLOCK re-break does not conflict with: CRIU stops ("Conflicting lease wasn't found").
 * </ul>
 */
public enum CriuTypeGuess {
  FILE_TYPE("file-type"),
  OPEN_MODE("open-mode");

  private final String word;

  CriuTypeGuess(String word) {
    this.word = word;
  }

  /** file-type or open-mode. */
  public static CriuTypeGuess parse(String text) {
    for (CriuTypeGuess g : values()) {
      if (g.word.equals(text.trim())) {
        return g;
      }
    }
    throw new IllegalArgumentException("CRIU's type guess must be file-type (CRIU 4.2) or open-mode (patched), got '"
        + text + "'");
  }

  @Override
  public String toString() {
    return word;
  }
}
