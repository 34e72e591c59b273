package dev.feedrank.data;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Shared fixtures of the data tests. */
final class TestData {
    private TestData() {
    }

    static PreparationSettings settings(int users, int items, int impressions) {
        return new PreparationSettings(0.8, 0.1, 4, "uniform", 42L, users, items, impressions);
    }

    static PreparationSettings defaults() {
        return settings(0, 0, 0);
    }

    /** The small synthetic dataset used throughout the tests. */
    static PreparationSettings smallSynthetic() {
        return settings(300, 200, 20_000);
    }

    /**
     * The real MovieLens latest-small folder ({@code ../shared/data/ml-latest-small} relative to the project, or
     * {@code /work/shared/data/ml-latest-small}); skips the test when it is absent.
     */
    static Path mlLatestSmall() {
        Path project = Path.of("").toAbsolutePath();
        Path found = Stream.of(
                        System.getProperty("feedrank.mlLatestSmall"),
                        project.resolve("../shared/data/ml-latest-small").toString(),
                        project.resolve("../../shared/data/ml-latest-small").toString(),
                        "/work/shared/data/ml-latest-small")
                .filter(s -> s != null && !s.isBlank())
                .map(s -> Path.of(s).normalize())
                .filter(p -> Files.isRegularFile(p.resolve("ratings.csv")))
                .findFirst().orElse(null);
        Assumptions.assumeTrue(found != null, "MovieLens latest-small not found (looked in ../shared/data/"
                + "ml-latest-small relative to " + project + " and /work/shared/data/ml-latest-small); skipping");
        return found;
    }

    /**
     * A test resource folder or file, e.g. {@code data/ml-100k-tiny}. The tiny MovieLens-layout folders are kept as
     * {@code *.fixture} files (invented content; no MovieLens file is tracked) and copied under their MovieLens
     * names into a temporary folder.
     */
    static Path resource(String name) {
        try {
            String folder = name.contains(".") ? name.substring(0, name.lastIndexOf('/')) : name;
            Path source = Path.of(TestData.class.getResource("/" + folder).toURI());
            Path copy = Files.createTempDirectory("feedrank-fixture").resolve(source.getFileName().toString());
            Files.createDirectories(copy);
            try (var files = Files.list(source)) {
                for (Path f : files.toList()) {
                    Files.copy(f, copy.resolve(f.getFileName().toString().replaceFirst("\\.fixture$", "")));
                }
            }
            return name.equals(folder) ? copy : copy.resolve(name.substring(folder.length() + 1));
        } catch (Exception e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    static Path write(Path folder, String name, String content) throws IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    static void copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName().toString()));
        }
    }

    /** Area under the ROC curve of scores for binary labels (ties count half). */
    static double auc(double[] scores, boolean[] positive) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double rankSum = 0;
        long pos = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) j++;
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (positive[order[k]]) {
                rankSum += avgRank;
                pos++;
            }
            i = j + 1;
        }
        long neg = scores.length - pos;
        return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }
}
