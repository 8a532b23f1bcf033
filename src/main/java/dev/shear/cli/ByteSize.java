package dev.shear.cli;

import java.util.Locale;

/** Memory sizes on the command line and in reports; binary units (1 GB = 2^30 bytes, as nvidia-smi counts). */
final class ByteSize {
    private ByteSize() {}

    /** "80GB", "80G", "80GiB", "24000MB", "512MiB" or plain bytes. */
    static long parse(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replace("IB", "B");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]?)B?").matcher(t);
        if (!m.matches()) throw new IllegalArgumentException("memory size '" + s + "': expected a number with MB, GB or TB, e.g. 80GB");
        int shift = switch (m.group(2)) { case "K" -> 10; case "M" -> 20; case "G" -> 30; case "T" -> 40; default -> 0; };
        return (long) (Double.parseDouble(m.group(1)) * (1L << shift));
    }

    static String gib(long bytes) { return String.format(Locale.ROOT, "%.2f", bytes / (double) (1L << 30)); }

    static String mib(long bytes) { return String.format(Locale.ROOT, "%.1f", bytes / (double) (1L << 20)); }
}
