package dev.feedrank.data;

import dev.feedrank.storage.ObjectStorage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/** Test-only {@link ObjectStorage} over a local folder: object {@code bucket/key} is file {@code root/bucket/key}. */
final class LocalFolderStorage implements ObjectStorage {
    private final Path root;
    private final String bucket;

    LocalFolderStorage(Path root) {
        this(root, "feedrank");
    }

    LocalFolderStorage(Path root, String bucket) {
        this.root = root;
        this.bucket = bucket;
    }

    /** Puts a local file under another bucket, e.g. to serve an {@code s3://} dataset source. */
    void putInto(String otherBucket, String key, Path file) throws IOException {
        Path target = file(otherBucket, key);
        Files.createDirectories(target.getParent());
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        putInto(bucket, key, file);
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) throws IOException {
        Path target = file(bucket, key);
        Files.createDirectories(target.getParent());
        Files.write(target, bytes);
    }

    @Override
    public byte[] get(String key) throws IOException {
        return Files.readAllBytes(file(bucket, key));
    }

    @Override
    public void download(String key, Path target) throws IOException {
        download(bucket, key, target);
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(file(bucket, key));
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        return list(bucket, prefix);
    }

    @Override
    public List<String> list(String otherBucket, String prefix) throws IOException {
        Path base = root.resolve(otherBucket);
        if (!Files.isDirectory(base)) return List.of();
        try (Stream<Path> walk = Files.walk(base)) {
            return walk.filter(Files::isRegularFile).map(p -> base.relativize(p).toString().replace('\\', '/'))
                    .filter(k -> k.startsWith(prefix)).sorted().toList();
        }
    }

    @Override
    public void download(String otherBucket, String key, Path target) throws IOException {
        Path source = file(otherBucket, key);
        if (!Files.isRegularFile(source)) throw new NoSuchFileException(otherBucket + "/" + key);
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void ping() {
    }

    private Path file(String b, String key) {
        return root.resolve(b).resolve(key);
    }
}
