package dev.feedrank.testing;

import dev.feedrank.storage.ObjectStorage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** An {@link ObjectStorage} in a map, for unit tests of code that only needs put/get (the app uses MinIO + S3). */
public class InMemoryObjectStorage implements ObjectStorage {

    private final Map<String, byte[]> objects = new ConcurrentSkipListMap<>();

    @Override public String bucket() { return "memory"; }

    @Override public void put(String key, Path file) throws IOException { objects.put("memory/" + key, Files.readAllBytes(file)); }

    @Override public void put(String key, byte[] bytes, String contentType) { objects.put("memory/" + key, bytes.clone()); }

    @Override
    public byte[] get(String key) throws IOException {
        byte[] b = objects.get("memory/" + key);
        if (b == null) throw new FileNotFoundException(key);
        return b.clone();
    }

    @Override public void download(String key, Path target) throws IOException { download("memory", key, target); }

    @Override
    public void download(String bucket, String key, Path target) throws IOException {
        byte[] b = objects.get(bucket + "/" + key);
        if (b == null) throw new FileNotFoundException(bucket + "/" + key);
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.write(target, b);
    }

    @Override public boolean exists(String key) { return objects.containsKey("memory/" + key); }

    @Override public List<String> list(String prefix) { return list("memory", prefix); }

    @Override
    public List<String> list(String bucket, String prefix) {
        String p = bucket + "/" + prefix;
        return objects.keySet().stream().filter(k -> k.startsWith(p)).map(k -> k.substring(bucket.length() + 1)).toList();
    }

    @Override public void ping() { }

    /** Overwrites an object, e.g. to corrupt a bundle in a test. */
    public void replace(String key, byte[] bytes) {
        objects.put("memory/" + key, bytes);
    }
}
