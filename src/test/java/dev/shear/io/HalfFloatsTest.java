package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {
    @Test void knownF16Values() {
        assertEquals(1.0f, HalfFloats.f16ToFloat((short) 0x3C00));
        assertEquals(-2.0f, HalfFloats.f16ToFloat((short) 0xC000));
        assertEquals(65504f, HalfFloats.f16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat((short) 0x0001));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToFloat((short) 0x7C00));
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0x7E00)));
        assertEquals((short) 0x3C00, HalfFloats.floatToF16(1.0f));
        assertEquals((short) 0x7C00, HalfFloats.floatToF16(65520f), "rounds up to infinity");
        assertEquals((short) 0x7BFF, HalfFloats.floatToF16(65519f));
        assertEquals((short) 0x0000, HalfFloats.floatToF16(0x1p-25f), "tie to even: zero");
        assertEquals((short) 0x0001, HalfFloats.floatToF16(0x1.8p-25f));
        assertEquals((short) 0x8000, HalfFloats.floatToF16(-0.0f));
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(Float.NaN))));
    }

    @Test void everyF16SurvivesARoundTrip() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = HalfFloats.f16ToFloat((short) bits);
            if (Float.isNaN(f)) continue;
            assertEquals((short) bits, HalfFloats.floatToF16(f), Integer.toHexString(bits));
        }
    }

    @Test void f16RoundsToNearestEven() {
        Random r = new Random(3);
        for (int n = 0; n < 200_000; n++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f)) continue;
            assertEquals(reference(f), HalfFloats.f16ToFloat(HalfFloats.floatToF16(f)), Float.toString(f));
        }
    }

    /** Nearest binary16 by exact double arithmetic: step 2^(e-10), ties to an even mantissa. */
    private static float reference(float f) {
        double a = Math.abs((double) f);
        if (a >= 65520) return Math.copySign(Float.POSITIVE_INFINITY, f);
        int e = a < 0x1p-14 ? -14 : Math.getExponent(a);
        double step = Math.scalb(1.0, e - 10);
        double q = a / step, fl = Math.floor(q);
        double m = q - fl > 0.5 || (q - fl == 0.5 && ((long) fl) % 2 == 1) ? fl + 1 : fl;
        return (float) Math.copySign(m * step, f);
    }

    @Test void bf16KeepsTheTopHalfRounded() {
        assertEquals(1.0f, HalfFloats.bf16ToFloat((short) 0x3F80));
        assertEquals(-2.0f, HalfFloats.bf16ToFloat((short) 0xC000));
        assertEquals((short) 0x3F80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808000)), "tie to even: down");
        assertEquals((short) 0x3F82, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F818000)), "tie to even: up");
        assertEquals((short) 0x3F81, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x7F80, HalfFloats.floatToBf16(Float.MAX_VALUE), "overflow to infinity");
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.intBitsToFloat(0x7F800001)))));
    }
}
