package dev.shear.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The config key an option sets, as a dotted path in the bundled defaults ({@code prune.schedule.warmup}):
 * {@link ConfigDefaults} reads the option's default there, so the command line and `./shear run` share one.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface ConfigKey {
    String value();
}
