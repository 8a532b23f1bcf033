package dev.shear.cli;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one line a failed command prints: the exception's first line, with a settings key that leads
 * it turned into the option that set it ("batch 0 must be in 1..65536" from {@code --batch 0} reads
 * "--batch 0 must be in 1..65536"), and running out of memory, on the heap or in libtorch, explained
 * with the advice that applies to the command instead of a stack trace.
 */
final class ErrorLine {
    private ErrorLine() {}

    static String of(Throwable ex, CommandLine cmd) {
        Throwable oom = find(ex);
        if (oom != null) return outOfMemory(oom, cmd);
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        return named(msg.lines().findFirst().orElse(msg), cmd);
    }

    /** An OutOfMemoryError, or libtorch's allocation failure, anywhere in the cause chain; null if none. */
    private static Throwable find(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError) return t;
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("can't allocate memory") || m.contains("cuda out of memory")) return t;
        }
        return null;
    }

    /** "out of memory (Java heap space) in CheckpointFile.read, running prune: the heap is 15.0 GiB (-Xmx); ..." */
    static String outOfMemory(Throwable t, CommandLine cmd) {
        boolean heap = t instanceof OutOfMemoryError;
        String what = heap ? String.valueOf(t.getMessage()) : "libtorch could not allocate a tensor";
        String where = "";
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("dev.shear.")) {
                where = " in " + e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1) + "." + e.getMethodName();
                break;
            }
        }
        List<String> advice = new ArrayList<>();
        if (has(cmd, "--base-dtype")) advice.add("hold the base weights in fp16 (--base-dtype fp16)");
        if (has(cmd, "--batch")) advice.add("use a smaller --batch" + (has(cmd, "--seq") ? " or --seq" : ""));
        if (cmd.getCommandName().equals("run")) advice.add("lower prune.training.batch or seq_len in the config");
        if (heap) advice.add(String.format(Locale.ROOT, "raise the Java heap (now %.1f GiB) with SHEAR_JAVA_OPTS=\"-Xmx...\" if the machine has the memory",
                Runtime.getRuntime().maxMemory() / (double) (1L << 30)));
        else advice.add("free memory on the machine (the model's tensors live outside the Java heap)");
        return "out of memory (" + what + ")" + where + ", running " + cmd.getCommandName() + ": " + String.join(", or ", advice);
    }

    private static boolean has(CommandLine cmd, String option) { return cmd.getCommandSpec().findOption(option) != null; }

    /**
     * Replaces a leading settings key with the option of this command that sets it: an option whose
     * config key ends in it, or whose name is the key in kebab case (or ends in it). Left alone when
     * no option, or more than one, fits.
     */
    static String named(String msg, CommandLine cmd) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([a-z][a-z_]*)(:?) (.*)").matcher(msg);
        if (!m.matches()) return msg;
        String key = m.group(1), kebab = "--" + key.replace('_', '-');
        List<String> fits = new ArrayList<>();
        for (OptionSpec o : cmd.getCommandSpec().options()) {
            String name = o.longestName();
            boolean byKey = o.userObject() instanceof Field f && f.getAnnotation(ConfigKey.class) != null
                    && f.getAnnotation(ConfigKey.class).value().endsWith("." + key);
            if (byKey || name.equals(kebab) || name.endsWith("-" + kebab.substring(2))) fits.add(name);
        }
        return fits.size() == 1 ? fits.get(0) + m.group(2) + " " + m.group(3) : msg;
    }
}
