package dev.feedrank.evaluation;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** PureSVD's rank grid is cut to what fits in the free heap, so a large catalogue degrades the baseline, not the run. */
class PureSvdMemoryTest {
    private static final List<Integer> GRID = List.of(16, 32, 64, 128, 256);

    @Test
    void aFitHoldsItsItemsByLDoubleArrays() {
        // 100k items, rank 256 (l = 266), 2 threads: 6 arrays of 100,000 x 266 doubles
        assertEquals(6L * 100_000 * 266 * 8, StrongBaselines.pureSvdBytes(100_000, 256, 2));
    }

    @Test
    void ranksWhoseFitNeedsMoreThanHalfTheFreeHeapAreNotTried() {
        long free = 2L * StrongBaselines.pureSvdBytes(100_000, 64, 2); // rank 64 fits exactly in half
        assertEquals(List.of(16, 32, 64), StrongBaselines.pureSvdRanksWithin(GRID, 100_000, 2, free));
        assertEquals(GRID, StrongBaselines.pureSvdRanksWithin(GRID, 1_000, 2, free), "a small catalogue tries every rank");
        assertEquals(List.of(), StrongBaselines.pureSvdRanksWithin(GRID, 100_000, 2, 1 << 20), "none fits in 1 MB");
    }
}
