package dev.feedrank.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A seeded, learnable feed-impression dataset written as generic {@code users.csv}, {@code items.csv} and
 * {@code interactions.csv} (so it is read exactly like {@code csv:PATH}); the same settings give the same bytes.
 *
 * <p>Users have demographic one-hots (age bucket, gender, region) and a hidden taste vector built from demographic
 * group vectors plus an individual part, partially revealed by noisy {@code interest_*} features. Items have category
 * multi-hots, a hidden vector near their categories' centroids (partially revealed by noisy {@code topic_*}),
 * a release year and a quality score. Feeds show slates of 10 items drawn with Zipf-like popularity skew; the click
 * probability is {@code sigmoid(a * taste.item + item bias - position bias + c)}, a like only follows a click and a
 * share only a like.
 */
public final class SyntheticDatasetGenerator {
    public static final int DEFAULT_USERS = 2000;
    public static final int DEFAULT_ITEMS = 1000;
    public static final int DEFAULT_IMPRESSIONS = 200_000;
    /** 2024-01-01T00:00:00Z: impressions span the 60 days from here. */
    static final long START_EPOCH = 1_704_067_200L;
    static final long SPAN_SECONDS = 60L * 86_400;
    static final int SLATE = 10;

    private static final int DIM = 8;
    private static final int REVEALED = 4;
    private static final int CATEGORIES = 12;
    private static final int REGIONS = 5;
    private static final String[] AGE_BUCKETS = {"18_24", "25_34", "35_44", "45_54", "55_64", "65_plus"};
    private static final double[] AGE_SHARES = {0.15, 0.25, 0.22, 0.18, 0.12, 0.08};
    private static final double ZIPF_EXPONENT = 0.8;

    private record Users(int[] age, int[] gender, int[] region, double[][] taste, double[][] interest,
                         double[] activity) {
    }

    private record Items(boolean[][] category, double[][] vector, double[][] topic, int[] year, double[] quality,
                         double[] bias, double[] exposure) {
    }

    public static int users(PreparationSettings s) {
        return s.syntheticUsers() > 0 ? s.syntheticUsers() : DEFAULT_USERS;
    }

    public static int items(PreparationSettings s) {
        return s.syntheticItems() > 0 ? s.syntheticItems() : DEFAULT_ITEMS;
    }

    public static int impressions(PreparationSettings s) {
        return s.syntheticImpressions() > 0 ? s.syntheticImpressions() : DEFAULT_IMPRESSIONS;
    }

    /** Writes the three CSV files into {@code folder} (created if needed) and returns it. */
    public Path generate(PreparationSettings settings, Path folder) throws IOException {
        SplittableRandom root = new SplittableRandom(settings.seed());
        SplittableRandom userRandom = root.split();
        SplittableRandom itemRandom = root.split();
        SplittableRandom feedRandom = root.split();
        Users users = users(users(settings), userRandom);
        Items items = items(items(settings), itemRandom);
        Files.createDirectories(folder);
        writeUsers(users, folder.resolve("users.csv"));
        writeItems(items, folder.resolve("items.csv"));
        writeImpressions(users, items, impressions(settings), feedRandom, folder.resolve("interactions.csv"));
        return folder;
    }

    private static Users users(int n, SplittableRandom r) {
        double[][] ageVec = gaussians(r, AGE_BUCKETS.length, 0.6);
        double[][] genderVec = gaussians(r, 2, 0.4);
        double[][] regionVec = gaussians(r, REGIONS, 0.5);
        int[] age = new int[n];
        int[] gender = new int[n];
        int[] region = new int[n];
        double[][] taste = new double[n][DIM];
        double[][] interest = new double[n][REVEALED];
        double[] activity = new double[n];
        for (int u = 0; u < n; u++) {
            age[u] = categorical(r, AGE_SHARES);
            gender[u] = r.nextInt(2);
            region[u] = r.nextInt(REGIONS);
            for (int k = 0; k < DIM; k++) {
                taste[u][k] = ageVec[age[u]][k] + genderVec[gender[u]][k] + regionVec[region[u]][k]
                        + 0.8 * gaussian(r);
            }
            for (int k = 0; k < REVEALED; k++) interest[u][k] = taste[u][k] + 0.35 * gaussian(r);
            activity[u] = StrictMath.exp(0.8 * gaussian(r));
        }
        return new Users(age, gender, region, taste, interest, activity);
    }

    private static Items items(int n, SplittableRandom r) {
        double[][] centroid = gaussians(r, CATEGORIES, 1.0);
        boolean[][] category = new boolean[n][CATEGORIES];
        double[][] vector = new double[n][DIM];
        double[][] topic = new double[n][REVEALED];
        int[] year = new int[n];
        double[] quality = new double[n];
        double[] bias = new double[n];
        double[] rankKey = new double[n];
        for (int i = 0; i < n; i++) {
            int primary = r.nextInt(CATEGORIES);
            category[i][primary] = true;
            int second = r.nextDouble() < 0.3 ? (primary + 1 + r.nextInt(CATEGORIES - 1)) % CATEGORIES : -1;
            if (second >= 0) category[i][second] = true;
            for (int k = 0; k < DIM; k++) {
                double centre = second < 0 ? centroid[primary][k] : (centroid[primary][k] + centroid[second][k]) / 2;
                vector[i][k] = 0.8 * centre + 0.6 * gaussian(r);
            }
            for (int k = 0; k < REVEALED; k++) topic[i][k] = vector[i][k] + 0.35 * gaussian(r);
            year[i] = 1980 + r.nextInt(45);
            quality[i] = gaussian(r);
            bias[i] = 0.5 * quality[i] + 0.3 * (year[i] - 2002) / 13.0;
            rankKey[i] = bias[i] + 0.5 * gaussian(r);
        }
        // Zipf-like exposure: the better-looking items are shown far more often
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -rankKey[i]).thenComparingInt(i -> i));
        double[] exposure = new double[n];
        for (int rank = 0; rank < n; rank++) exposure[order[rank]] = 1.0 / StrictMath.pow(rank + 1, ZIPF_EXPONENT);
        return new Items(category, vector, topic, year, quality, bias, exposure);
    }

    private static void writeUsers(Users u, Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder header = new StringBuilder("user_id");
            for (String a : AGE_BUCKETS) header.append(",age_").append(a);
            header.append(",gender_f,gender_m");
            for (int g = 0; g < REGIONS; g++) header.append(",region_").append(g);
            for (int k = 0; k < REVEALED; k++) header.append(",interest_").append(k);
            w.write(header.append('\n').toString());
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < u.age().length; i++) {
                line.setLength(0);
                line.append(i + 1);
                for (int a = 0; a < AGE_BUCKETS.length; a++) line.append(',').append(u.age()[i] == a ? 1 : 0);
                line.append(',').append(u.gender()[i] == 0 ? 1 : 0).append(',').append(u.gender()[i] == 1 ? 1 : 0);
                for (int g = 0; g < REGIONS; g++) line.append(',').append(u.region()[i] == g ? 1 : 0);
                for (int k = 0; k < REVEALED; k++) appendFixed(line.append(','), u.interest()[i][k]);
                w.write(line.append('\n').toString());
            }
        }
    }

    private static void writeItems(Items it, Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder header = new StringBuilder("item_id");
            for (int c = 0; c < CATEGORIES; c++) header.append(",category_").append(c);
            for (int k = 0; k < REVEALED; k++) header.append(",topic_").append(k);
            w.write(header.append(",year,quality\n").toString());
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < it.year().length; i++) {
                line.setLength(0);
                line.append(i + 1);
                for (int c = 0; c < CATEGORIES; c++) line.append(',').append(it.category()[i][c] ? 1 : 0);
                for (int k = 0; k < REVEALED; k++) appendFixed(line.append(','), it.topic()[i][k]);
                line.append(',').append(it.year()[i]);
                appendFixed(line.append(','), it.quality()[i]);
                w.write(line.append('\n').toString());
            }
        }
    }

    private static void writeImpressions(Users u, Items it, int impressions, SplittableRandom r, Path file)
            throws IOException {
        double[] userCumulative = cumulative(u.activity());
        double[] itemCumulative = cumulative(it.exposure());
        int slateSize = Math.min(SLATE, it.year().length);
        int sessions = (impressions + slateSize - 1) / slateSize;
        double scale = 1.0 / StrictMath.sqrt(DIM);
        int[] slate = new int[slateSize];
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("user_id,item_id,timestamp,position,click,like,share\n");
            StringBuilder line = new StringBuilder();
            int written = 0;
            for (int s = 0; s < sessions; s++) {
                long slotStart = START_EPOCH + s * SPAN_SECONDS / sessions;
                long slotEnd = START_EPOCH + (s + 1) * SPAN_SECONDS / sessions;
                long ts = slotStart + (slotEnd > slotStart ? r.nextLong(slotEnd - slotStart) : 0);
                int user = draw(r, userCumulative);
                for (int p = 0; p < slateSize; p++) slate[p] = distinctDraw(r, itemCumulative, slate, p);
                for (int p = 0; p < slateSize && written < impressions; p++, written++) {
                    int item = slate[p];
                    double affinity = scale * dot(u.taste()[user], it.vector()[item]);
                    double clickLogit = 2.0 * affinity + it.bias()[item] - 0.12 * p - 1.6;
                    boolean click = r.nextDouble() < sigmoid(clickLogit);
                    boolean like = click && r.nextDouble() < sigmoid(affinity + 0.5 * it.quality()[item]);
                    boolean share = like && r.nextDouble() < sigmoid(0.8 * affinity + 0.5 * it.quality()[item] - 1.5);
                    line.setLength(0);
                    line.append(user + 1).append(',').append(item + 1).append(',').append(ts).append(',').append(p + 1)
                            .append(',').append(click ? 1 : 0).append(',').append(like ? 1 : 0).append(',')
                            .append(share ? 1 : 0).append('\n');
                    w.write(line.toString());
                }
            }
        }
    }

    // ---- small numeric helpers -------------------------------------------------------------------------------

    private static int distinctDraw(SplittableRandom r, double[] cumulative, int[] taken, int count) {
        while (true) {
            int candidate = draw(r, cumulative);
            boolean seen = false;
            for (int i = 0; i < count && !seen; i++) seen = taken[i] == candidate;
            if (!seen) return candidate;
        }
    }

    private static int draw(SplittableRandom r, double[] cumulative) {
        double x = r.nextDouble() * cumulative[cumulative.length - 1];
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > x) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    private static double[] cumulative(double[] weights) {
        double[] c = new double[weights.length];
        double sum = 0;
        for (int i = 0; i < weights.length; i++) c[i] = sum += weights[i];
        return c;
    }

    private static int categorical(SplittableRandom r, double[] shares) {
        double x = r.nextDouble();
        for (int i = 0; i < shares.length - 1; i++) {
            if ((x -= shares[i]) < 0) return i;
        }
        return shares.length - 1;
    }

    /** Box-Muller with StrictMath, so the bytes do not depend on the JDK's Gaussian algorithm or CPU intrinsics. */
    private static double gaussian(SplittableRandom r) {
        double u1 = 1.0 - r.nextDouble();
        double u2 = r.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }

    private static double[][] gaussians(SplittableRandom r, int rows, double scale) {
        double[][] out = new double[rows][DIM];
        for (double[] row : out) for (int k = 0; k < DIM; k++) row[k] = scale * gaussian(r);
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) s += a[k] * b[k];
        return s;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + StrictMath.exp(-x));
    }

    /** Four decimals, locale-independent. */
    private static void appendFixed(StringBuilder sb, double v) {
        long scaled = Math.round(v * 10_000);
        if (scaled < 0) {
            sb.append('-');
            scaled = -scaled;
        }
        sb.append(scaled / 10_000).append('.');
        String frac = Long.toString(scaled % 10_000);
        for (int i = frac.length(); i < 4; i++) sb.append('0');
        sb.append(frac);
    }
}
