package dev.feedrank.orchestration;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NativeHeapTrim} against the real C library: memory freed between live allocations of the C heap stays in the
 * process's RSS until {@code malloc_trim} hands it back (the situation of an in-process run after train).
 */
class NativeHeapTrimTest {

    private static final int BLOCKS = 4096;
    private static final int BLOCK_BYTES = 64 * 1024;   // below glibc's mmap threshold: from an arena

    @Test
    void memoryFreedBetweenLiveBlocksLeavesTheRssOnlyAfterTheTrim() {
        assertTrue(NativeHeapTrim.available(), "glibc's malloc_trim through JNA (this machine is Linux with glibc)");
        assertNotNull(ResourceMeter.currentRss(), "/proc/self/status");
        long[] holes = new long[BLOCKS];
        long[] pins = new long[BLOCKS];
        try {
            // a 64 KB block, then one of the same size that stays (same size, so it is carved right after the first
            // rather than taken from a small-chunk cache elsewhere): each freed block is a hole between live ones that
            // free() cannot hand back (not at the top of its heap), whatever this JVM has allocated before
            for (int i = 0; i < BLOCKS; i++) {
                holes[i] = Native.malloc(BLOCK_BYTES);
                pins[i] = Native.malloc(BLOCK_BYTES);
                assertTrue(holes[i] != 0 && pins[i] != 0, "malloc failed");
                new Pointer(holes[i]).setMemory(0, BLOCK_BYTES, (byte) 1);  // resident
            }
            long filled = ResourceMeter.currentRss();
            for (int i = 0; i < BLOCKS; i++) {
                Native.free(holes[i]);
                holes[i] = 0;
            }
            long freed = ResourceMeter.currentRss();
            NativeHeapTrim.trim();
            long trimmed = ResourceMeter.currentRss();
            String figures = "RSS " + (filled >> 20) + " MB filled, " + (freed >> 20) + " MB after free, "
                    + (trimmed >> 20) + " MB after the trim";
            // 256 MB of holes: the trim returns most of them (all but the chunk headers' pages)
            assertTrue(freed - trimmed > 128L << 20, "the trim returned the freed pages: " + figures);
        } finally {
            for (long p : holes) if (p != 0) Native.free(p);
            for (long p : pins) if (p != 0) Native.free(p);
        }
    }
}
