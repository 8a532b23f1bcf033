package dev.shear.io;

/**
 * A model, tokenizer or config file that is malformed, truncated or inconsistent. The message is
 * one line: {@code "<file>: <problem>, expected <x>"}.
 */
public final class ShearFormatException extends RuntimeException {
    private static final int MAX_MESSAGE = 600;

    public ShearFormatException(String message) { super(oneLine(message)); }

    public ShearFormatException(String message, Throwable cause) { super(oneLine(message), cause); }

    /** {@code "<file>: <problem>, expected <expected>"}. */
    public static ShearFormatException of(Object file, String problem, Object expected) {
        return new ShearFormatException(file + ": " + problem + ", expected " + expected);
    }

    public static ShearFormatException of(Object file, String problem, Object expected, Throwable cause) {
        return new ShearFormatException(file + ": " + problem + ", expected " + expected, cause);
    }

    /** Hostile files can put anything into names; keep messages printable and short. */
    private static String oneLine(String s) {
        String flat = s.replaceAll("\\p{Cntrl}", " ");
        return flat.length() <= MAX_MESSAGE ? flat : flat.substring(0, MAX_MESSAGE) + "...";
    }
}
