package dev.feedrank.orchestration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The stage-attempt meter: CPU, peak RSS and peak heap of a measured window. No timing is asserted. */
class ResourceMeterTest {

    private static final long MB = 1024 * 1024;

    @Test
    void peakRssGrowsWhenALargeDirectBufferIsTouchedInTheWindow() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "needs /proc (Linux)");
        Long before = ResourceMeter.currentRss();
        assertNotNull(before);
        ByteBuffer buffer;
        StageCost cost;
        try (ResourceMeter.Measurement m = new ResourceMeter(20, Path.of("/proc/self/status")).start()) {
            buffer = ByteBuffer.allocateDirect((int) (160 * MB));
            for (int i = 0; i < buffer.capacity(); i += 4096) buffer.put(i, (byte) 1); // every page resident
            cost = m.stop();
        }
        assertNotNull(cost.peakRssBytes());
        assertTrue(cost.peakRssBytes() >= before + 128 * MB,
                "peak RSS " + cost.peakRssBytes() / MB + " MB, before " + before / MB + " MB, 160 MB touched");
        assertNotNull(cost.cpuMs());
        assertTrue(cost.cpuMs() >= 0);
        assertNull(cost.samplesPerSecond(), "throughput is the stage's to report");
        assertEquals(1, buffer.get(0));
    }

    @Test
    void peakHeapSeesAnArrayDroppedBeforeTheWindowEnds() throws Exception {
        StageCost cost;
        long heapAtEnd;
        try (ResourceMeter.Measurement m = new ResourceMeter(20, Path.of("/proc/self/status")).start()) {
            byte[] big = new byte[(int) (192 * MB)];
            java.util.Arrays.fill(big, (byte) 1);
            Thread.sleep(200); // several sampling intervals while the array is live (a sample, not a time, is asserted)
            assertEquals(1, big[big.length - 1]);
            big = null;
            System.gc();
            heapAtEnd = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            cost = m.stop();
        }
        assertNotNull(cost.peakHeapBytes());
        assertTrue(cost.peakHeapBytes() >= 192 * MB, "peak heap " + cost.peakHeapBytes() / MB + " MB with a 192 MB array");
        assertTrue(cost.peakHeapBytes() > heapAtEnd, "the peak, not the heap at the end (" + heapAtEnd / MB + " MB)");
    }

    @Test
    void withoutProcTheRssIsNullAndTheRestIsMeasured(@TempDir Path dir) {
        StageCost cost = new ResourceMeter(20, dir.resolve("no-such-status")).start().stop();
        assertNull(cost.peakRssBytes());
        assertNotNull(cost.peakHeapBytes());
        assertTrue(cost.peakHeapBytes() > 0);
        assertNotNull(cost.cpuMs());
    }

    @Test
    void stopIsIdempotentAndReadsVmRssInKilobytes(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nVmPeak:\t 9999999 kB\nVmRSS:\t  204800 kB\nThreads:\t42\n");
        assertEquals(200 * MB, ResourceMeter.readRss(status));
        ResourceMeter.Measurement m = new ResourceMeter(20, status).start();
        StageCost first = m.stop();
        assertSame(first, m.stop());
        assertEquals(200 * MB, first.peakRssBytes());
        Files.writeString(status, "Name:\tjava\n");
        assertNull(ResourceMeter.readRss(status), "no VmRSS line");
    }
}
