package dev.feedrank.orchestration;

import com.sun.jna.Native;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NativeHeapTrim} against the real C library: memory freed in the middle of the C heap stays in the process's
 * RSS until {@code malloc_trim} hands it back (the situation of an in-process run after prepare-data and train).
 */
class NativeHeapTrimTest {

    @Test
    void freedMallocMemoryLeavesTheRssOnlyAfterTheTrim() {
        assertTrue(NativeHeapTrim.available(), "glibc's malloc_trim through JNA (this machine is Linux with glibc)");
        int blocks = 100_000;
        long[] pointers = new long[blocks];
        Long base = ResourceMeter.currentRss();
        assertNotNull(base, "/proc/self/status");
        for (int i = 0; i < blocks; i++) {
            pointers[i] = Native.malloc(2048);       // small blocks: from the arena, not from mmap
            assertTrue(pointers[i] != 0, "malloc failed");
            com.sun.jna.Pointer p = new com.sun.jna.Pointer(pointers[i]);
            p.setMemory(0, 2048, (byte) 1);           // touch every page so it is resident
        }
        long pin = Native.malloc(64);                 // keeps the arena's top from shrinking on free
        try {
            long filled = ResourceMeter.currentRss();
            assertTrue(filled - base > 150L << 20, "the blocks are resident: " + ((filled - base) >> 20) + " MB");
            for (long p : pointers) Native.free(p);
            long freed = ResourceMeter.currentRss();
            NativeHeapTrim.trim();
            long trimmed = ResourceMeter.currentRss();
            assertTrue(freed - trimmed > 100L << 20, "the trim returned the freed pages: RSS " + (filled >> 20) + " MB filled, "
                    + (freed >> 20) + " MB freed, " + (trimmed >> 20) + " MB trimmed");
        } finally {
            Native.free(pin);
        }
    }
}
