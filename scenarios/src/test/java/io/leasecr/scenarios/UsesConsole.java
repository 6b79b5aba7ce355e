package io.leasecr.scenarios;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/**
 * A test class that holds this JVM's console: it captures System.out and System.err (the command line run in
 * this JVM, {@link CapturedOutput}), or it writes to them from beside the main stream of test classes
 * (junit-platform.properties). Such classes never overlap, so no capture holds another class's lines; the main
 * stream runs the capturing classes last ({@link SideStreamFirst}), after the side stream is done.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ResourceLock(Resources.SYSTEM_OUT)
@ResourceLock(Resources.SYSTEM_ERR)
@interface UsesConsole {}
