package dev.feedrank.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generator's raw output: determinism, label nesting, position bias and popularity skew. */
class SyntheticDatasetGeneratorTest {
    @TempDir
    static Path tmp;
    static Path folder;
    static List<int[]> rows; // user, item, ts(ignored), position, click, like, share

    @BeforeAll
    static void generate() throws IOException {
        folder = new SyntheticDatasetGenerator().generate(TestData.smallSynthetic(), tmp.resolve("a"));
        List<String> lines = Files.readAllLines(folder.resolve("interactions.csv"));
        assertEquals("user_id,item_id,timestamp,position,click,like,share", lines.get(0));
        rows = lines.subList(1, lines.size()).stream()
                .map(l -> Arrays.stream(l.split(",")).mapToLong(Long::parseLong).toArray())
                .map(v -> new int[] {(int) v[0], (int) v[1], 0, (int) v[3], (int) v[4], (int) v[5], (int) v[6]})
                .toList();
    }

    @Test
    void sizesFollowTheSettings() throws IOException {
        assertEquals(20_000, rows.size());
        assertEquals(301, Files.readAllLines(folder.resolve("users.csv")).size());
        assertEquals(201, Files.readAllLines(folder.resolve("items.csv")).size());
        assertTrue(rows.stream().allMatch(r -> r[0] >= 1 && r[0] <= 300 && r[1] >= 1 && r[1] <= 200));
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        Path again = new SyntheticDatasetGenerator().generate(TestData.smallSynthetic(), tmp.resolve("b"));
        PreparationSettings otherSeed = new PreparationSettings(0.8, 0.1, 4, "uniform", 43L, 300, 200, 20_000);
        Path other = new SyntheticDatasetGenerator().generate(otherSeed, tmp.resolve("c"));
        for (String f : List.of("users.csv", "items.csv", "interactions.csv")) {
            assertArrayEquals(Files.readAllBytes(folder.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
            assertFalse(Arrays.equals(Files.readAllBytes(folder.resolve(f)), Files.readAllBytes(other.resolve(f))), f);
        }
    }

    @Test
    void likeOnlyAfterClickAndShareOnlyAfterLike() {
        long clicks = rows.stream().filter(r -> r[4] == 1).count();
        long likes = rows.stream().filter(r -> r[5] == 1).count();
        long shares = rows.stream().filter(r -> r[6] == 1).count();
        assertTrue(rows.stream().allMatch(r -> r[5] <= r[4] && r[6] <= r[5]), "like ⊆ click and share ⊆ like");
        assertTrue(clicks > 0.1 * rows.size() && clicks < 0.5 * rows.size(), "click rate " + clicks);
        assertTrue(likes > 0.3 * clicks && likes < clicks, "likes " + likes);
        assertTrue(shares > 0.1 * likes && shares < likes, "shares " + shares);
    }

    @Test
    void positionBiasIsVisible() {
        double[] ctr = new double[11];
        int[] shown = new int[11];
        for (int[] r : rows) {
            shown[r[3]]++;
            ctr[r[3]] += r[4];
        }
        for (int p = 1; p <= 10; p++) ctr[p] /= shown[p];
        assertTrue(ctr[1] > ctr[10] + 0.1, "CTR at position 1 " + ctr[1] + " vs 10 " + ctr[10]);
        assertTrue(ctr[1] + ctr[2] + ctr[3] > ctr[8] + ctr[9] + ctr[10]);
    }

    @Test
    void popularitySkewIsZipfLike() {
        int[] shown = new int[201];
        for (int[] r : rows) shown[r[1]]++;
        int[] sorted = Arrays.stream(shown).sorted().toArray();
        long top20 = 0; // top 10% of 200 items
        for (int i = sorted.length - 20; i < sorted.length; i++) top20 += sorted[i];
        assertTrue(top20 > 0.35 * rows.size(), "top 10% of items get " + top20 + " of " + rows.size());
        assertTrue(sorted[sorted.length - 1] > 20 * Math.max(1, sorted[sorted.length / 2] / 2),
                "head item vs median item: " + sorted[sorted.length - 1] + " vs " + sorted[sorted.length / 2]);
    }

    @Test
    void timestampsAreOrderedWithinTheWindow() throws IOException {
        List<String> lines = Files.readAllLines(folder.resolve("interactions.csv"));
        long previous = 0;
        for (String l : lines.subList(1, lines.size())) {
            long ts = Long.parseLong(l.split(",")[2]);
            assertTrue(ts >= previous && ts >= SyntheticDatasetGenerator.START_EPOCH
                    && ts < SyntheticDatasetGenerator.START_EPOCH + SyntheticDatasetGenerator.SPAN_SECONDS);
            previous = ts;
        }
    }
}
