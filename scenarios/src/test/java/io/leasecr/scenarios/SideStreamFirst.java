package io.leasecr.scenarios;

import java.util.Comparator;
import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * The order of the main stream of test classes (junit-platform.properties): by name, except that the classes that
 * hold this JVM's console ({@link UsesConsole}) come last. The side stream holds the console while it runs (it
 * writes to it); a capturing class first would leave the main stream waiting for it, not running beside it.
 */
public final class SideStreamFirst implements ClassOrderer {

  @Override
  public void orderClasses(ClassOrdererContext context) {
    context.getClassDescriptors().sort(Comparator
        .comparing((ClassDescriptor c) -> c.isAnnotated(UsesConsole.class))
        .thenComparing(c -> c.getTestClass().getName()));
  }
}
