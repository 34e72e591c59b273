package dev.feedrank.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The S3-compatible object store that holds datasets, checkpoints and model bundles.
 * Keys without a bucket refer to the configured default bucket ({@code feedrank.storage.bucket}).
 */
public interface ObjectStorage {

    /** The default bucket all pipeline artifacts go to. */
    String bucket();

    void put(String key, Path file) throws IOException;

    void put(String key, byte[] bytes, String contentType) throws IOException;

    byte[] get(String key) throws IOException;

    void download(String key, Path target) throws IOException;

    boolean exists(String key) throws IOException;

    /** Keys (recursively) under a prefix in the default bucket. */
    List<String> list(String prefix) throws IOException;

    /** Keys (recursively) under a prefix of another bucket, e.g. for {@code s3://bucket/prefix} dataset sources. */
    List<String> list(String bucket, String prefix) throws IOException;

    void download(String bucket, String key, Path target) throws IOException;

    /** Cheap reachability check for readiness probes. */
    void ping() throws IOException;
}
