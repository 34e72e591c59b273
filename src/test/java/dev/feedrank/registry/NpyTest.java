package dev.feedrank.registry;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class NpyTest {

    @Test
    void roundTripsAFloat32MatrixWithANumpyHeader() throws Exception {
        float[] data = {1f, -2.5f, 3.25f, 0f, Float.MIN_VALUE, 1e30f};
        byte[] bytes = Npy.write(data, 2, 3);
        // numpy's format 1.0: magic, version, header length; header padded so the data starts at a multiple of 64
        assertEquals((byte) 0x93, bytes[0]);
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLen) % 64);
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + headerLen + 24, bytes.length);
        Npy.Matrix m = Npy.read(bytes);
        assertEquals(2, m.rows());
        assertEquals(3, m.cols());
        assertArrayEquals(data, m.data());
    }

    @Test
    void writesOneDimensionalInt64() {
        byte[] bytes = Npy.writeInt64(new int[] {7, -1});
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertTrue(new String(bytes, 10, headerLen, StandardCharsets.US_ASCII).contains("'descr': '<i8'"));
        assertTrue(new String(bytes, 10, headerLen, StandardCharsets.US_ASCII).contains("'shape': (2,)"));
        assertEquals(7, bytes[10 + headerLen]);
        assertEquals((byte) 0xff, bytes[bytes.length - 1]);
    }
}
