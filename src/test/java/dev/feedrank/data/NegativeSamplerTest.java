package dev.feedrank.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NegativeSamplerTest {

    /** {@code n} positives of {@code users} users over {@code items} items at increasing timestamps. */
    static Examples positives(int n, int users, int items, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Examples e = new Examples(new int[n], new int[n], new float[n], new float[n], new float[n], new boolean[n],
                new long[n]);
        for (int i = 0; i < n; i++) {
            e.user()[i] = r.nextInt(users);
            e.item()[i] = (int) Math.min(items - 1, Math.abs(r.nextGaussian()) * items / 6); // skewed, dense users
            e.click()[i] = 1f;
            e.like()[i] = r.nextInt(2);
            e.ts()[i] = 1_000_000L + i;
        }
        return e;
    }

    static long[] allSeenAtStart(int items) {
        long[] firstSeen = new long[items];
        Arrays.fill(firstSeen, 0L);
        return firstSeen;
    }

    @Test
    void negativesNeverHitTheUsersPositives() {
        Examples pos = positives(50_000, 100, 300, 1);
        NegativeSampler.UserItems exclude = NegativeSampler.UserItems.positivesOf(100, pos);
        for (String mode : new String[] {"uniform", "popularity"}) {
            int[] clicks = new int[300];
            for (int item : pos.item()) clicks[item]++;
            Examples out = new NegativeSampler(4, mode, allSeenAtStart(300), clicks).sample(pos, exclude, 9L);
            Set<Long> positives = DatasetAssertions.positives(pos);
            int sampled = 0;
            for (int i = 0; i < out.size(); i++) {
                if (!out.sampled()[i]) continue;
                sampled++;
                assertFalse(positives.contains(DatasetAssertions.key(out.user()[i], out.item()[i])), mode);
                assertEquals(0f, out.click()[i] + out.like()[i] + out.share()[i]);
            }
            assertEquals(4 * 50_000, sampled, mode);
        }
    }

    @Test
    void positiveIsFollowedByItsNegativesWithItsTimestamp() {
        Examples pos = positives(1000, 10, 500, 2);
        Examples out = new NegativeSampler(3, "uniform", allSeenAtStart(500), new int[500])
                .sample(pos, NegativeSampler.UserItems.positivesOf(10, pos), 5L);
        assertEquals(4000, out.size());
        for (int i = 0; i < 1000; i++) {
            assertFalse(out.sampled()[4 * i]);
            assertEquals(pos.item()[i], out.item()[4 * i]);
            assertEquals(pos.like()[i], out.like()[4 * i]);
            for (int k = 1; k <= 3; k++) {
                assertTrue(out.sampled()[4 * i + k]);
                assertEquals(pos.user()[i], out.user()[4 * i + k]);
                assertEquals(pos.ts()[i], out.ts()[4 * i + k]);
            }
        }
    }

    @Test
    void seededAndDeterministic() {
        Examples pos = positives(5000, 50, 200, 3);
        NegativeSampler.UserItems exclude = NegativeSampler.UserItems.positivesOf(50, pos);
        NegativeSampler sampler = new NegativeSampler(4, "uniform", allSeenAtStart(200), new int[200]);
        assertArrayEquals(sampler.sample(pos, exclude, 11L).item(), sampler.sample(pos, exclude, 11L).item());
        assertFalse(Arrays.equals(sampler.sample(pos, exclude, 11L).item(), sampler.sample(pos, exclude, 12L).item()));
    }

    @Test
    void onlyItemsAlreadySeenAreSampled() {
        int items = 100;
        long[] firstSeen = new long[items];
        for (int i = 0; i < items; i++) firstSeen[i] = 1_000_000L + 10L * i; // item i appears at 1_000_000 + 10 i
        Examples pos = positives(1000, 1000, 1, 4); // every positive is item 0, one per user
        Examples out = new NegativeSampler(4, "uniform", firstSeen, new int[items])
                .sample(pos, NegativeSampler.UserItems.positivesOf(1000, pos), 1L);
        Set<Integer> late = new HashSet<>();
        for (int i = 0; i < out.size(); i++) {
            if (out.sampled()[i]) {
                assertTrue(firstSeen[out.item()[i]] <= out.ts()[i], "item from the future");
                late.add(out.item()[i]);
            }
        }
        assertTrue(late.stream().anyMatch(i -> i >= 90), "late items are sampled once they have appeared");
    }

    @Test
    void usersWithEveryItemAsPositiveGetNoNegatives() {
        Examples pos = new Examples(new int[] {0, 0, 0}, new int[] {0, 1, 2}, new float[] {1, 1, 1}, new float[3],
                new float[3], new boolean[3], new long[] {1, 2, 3});
        Examples out = new NegativeSampler(4, "uniform", allSeenAtStart(3), new int[3])
                .sample(pos, NegativeSampler.UserItems.positivesOf(1, pos), 1L);
        assertEquals(3, out.size());
    }

    @Test
    void fastEnough() {
        Examples pos = positives(100_000, 2000, 5000, 5);
        int[] clicks = new int[5000];
        for (int item : pos.item()) clicks[item]++;
        long[] firstSeen = allSeenAtStart(5000);
        for (String mode : new String[] {"uniform", "popularity"}) {
            long best = Long.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) { // best of 3: the first run includes JIT warm-up
                long t = System.nanoTime();
                NegativeSampler.UserItems exclude = NegativeSampler.UserItems.positivesOf(2000, pos);
                Examples out = new NegativeSampler(4, mode, firstSeen, clicks).sample(pos, exclude, rep);
                best = Math.min(best, System.nanoTime() - t);
                assertEquals(500_000, out.size());
            }
            System.out.printf("negative sampling 100k positives x 4 (%s): %.1f ms%n", mode, best / 1e6);
            assertTrue(best < 1_000_000_000L, mode + " took " + best / 1e6 + " ms");
        }
    }
}
