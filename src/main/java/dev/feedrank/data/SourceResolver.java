package dev.feedrank.data;

import dev.feedrank.storage.ObjectStorage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Turns a {@link DatasetSpec} into a local folder or file: generates the synthetic dataset, downloads the objects
 * under an {@code s3://bucket/prefix} into a fresh work folder, or checks a local path. Temporary folders are removed
 * on {@link Resolved#close()}.
 */
final class SourceResolver {
    private SourceResolver() {
    }

    record Resolved(Path path, Path temporary) implements AutoCloseable {
        @Override
        public void close() {
            if (temporary != null) deleteRecursively(temporary);
        }
    }

    static Resolved resolve(DatasetSpec spec, PreparationSettings settings, Path workDir, ObjectStorage storage)
            throws IOException {
        if (spec.format() == DatasetSpec.Format.SYNTHETIC) {
            Files.createDirectories(workDir);
            Path folder = Files.createTempDirectory(workDir, "synthetic-");
            return new Resolved(new SyntheticDatasetGenerator().generate(settings, folder), folder);
        }
        if (spec.isS3()) return download(spec, workDir, storage);
        Path local = Path.of(spec.path()).toAbsolutePath().normalize();
        if (!Files.exists(local)) {
            throw new DataValidationException(String.valueOf(local.getFileName()), null, null,
                    "missing file: expected a dataset folder or file at " + local + ", found nothing");
        }
        return new Resolved(local, null);
    }

    private static Resolved download(DatasetSpec spec, Path workDir, ObjectStorage storage) throws IOException {
        if (storage == null) throw new IllegalArgumentException("an ObjectStorage is needed to read " + spec.path());
        String bucket = spec.s3Bucket();
        String prefix = spec.s3Prefix();
        List<String> keys = storage.list(bucket, prefix);
        Files.createDirectories(workDir);
        Path folder = Files.createTempDirectory(workDir, "source-");
        try {
            if (!prefix.isEmpty() && !prefix.endsWith("/") && keys.contains(prefix)) { // the prefix names one object
                Path target = folder.resolve(prefix.substring(prefix.lastIndexOf('/') + 1));
                storage.download(bucket, prefix, target);
                return new Resolved(target, folder);
            }
            String dir = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
            List<String> objects = new ArrayList<>();
            for (String key : keys) if (key.startsWith(dir) && !key.endsWith("/")) objects.add(key);
            if (objects.isEmpty()) {
                throw new DataValidationException(spec.path(), null, null,
                        "missing file: expected dataset objects under " + spec.path() + ", found none");
            }
            for (String key : objects) {
                Path target = folder.resolve(key.substring(dir.length())).normalize();
                if (!target.startsWith(folder)) throw new IOException("unsafe object key " + key);
                Files.createDirectories(target.getParent());
                storage.download(bucket, key, target);
            }
            return new Resolved(folder, folder);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(folder);
            throw e;
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + root, e);
        }
    }
}
