package dev.shear.io;

/** A file that is not what it claims to be; the message names the file and the problem on one line. */
public class ShearFormatException extends IllegalArgumentException {
    public ShearFormatException(String message) { super(message); }
}
