package dev.feedrank.testing;

import dev.feedrank.storage.MinioObjectStorage;
import dev.feedrank.storage.ObjectStorage;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fault injection for tests that enable this alternative: the real S3 storage, except that
 * <ul>
 *   <li>while {@link #corruptNextWriteOf} names a file, the next object written with that name is damaged (a block of
 *       its bytes in the second half overwritten) on its way to S3, as a bad disk or a broken upload would;</li>
 *   <li>{@link #failPuts} makes the next n writes under {@link #failPrefix} fail with an I/O error, as an unreachable
 *       S3 endpoint does (after the client's own retries);</li>
 *   <li>{@link #beforePut} runs before each write (e.g. to stop the real S3 server at a precise moment).</li>
 * </ul>
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class FaultInjectingObjectStorage implements ObjectStorage {

    /** A file name such as {@code item_tower.params}; cleared once it has been corrupted. */
    public static final AtomicReference<String> corruptNextWriteOf = new AtomicReference<>();
    public static final java.util.concurrent.atomic.AtomicInteger failPuts = new java.util.concurrent.atomic.AtomicInteger();
    public static final AtomicReference<String> failPrefix = new AtomicReference<>("");
    public static final AtomicReference<java.util.function.Consumer<String>> beforePut = new AtomicReference<>();

    /** Clears every fault. */
    public static void reset() {
        corruptNextWriteOf.set(null);
        failPuts.set(0);
        failPrefix.set("");
        beforePut.set(null);
    }

    private void beforeWrite(String key) throws IOException {
        var hook = beforePut.get();
        if (hook != null) hook.accept(key);
        if (key.startsWith(failPrefix.get()) && failPuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("S3 put " + key + " failed: connection refused (injected fault)");
        }
    }

    private final MinioObjectStorage delegate;

    public FaultInjectingObjectStorage(MinioObjectStorage delegate) {
        this.delegate = delegate;
    }

    private byte[] maybeCorrupt(String key, byte[] bytes) {
        String name = corruptNextWriteOf.get();
        if (name == null || !key.endsWith("/" + name) || !corruptNextWriteOf.compareAndSet(name, null)) return bytes;
        byte[] copy = Arrays.copyOf(bytes, bytes.length);
        int from = copy.length / 2;
        Arrays.fill(copy, from, Math.min(copy.length, from + 256), (byte) 0x7f);
        return copy;
    }

    @Override public String bucket() { return delegate.bucket(); }
    @Override public void put(String key, Path file) throws IOException { beforeWrite(key); delegate.put(key, file); }
    @Override public void put(String key, byte[] bytes, String contentType) throws IOException { beforeWrite(key); delegate.put(key, maybeCorrupt(key, bytes), contentType); }
    @Override public byte[] get(String key) throws IOException { return delegate.get(key); }
    @Override public void download(String key, Path target) throws IOException { delegate.download(key, target); }
    @Override public boolean exists(String key) throws IOException { return delegate.exists(key); }
    @Override public List<String> list(String prefix) throws IOException { return delegate.list(prefix); }
    @Override public List<String> list(String bucket, String prefix) throws IOException { return delegate.list(bucket, prefix); }
    @Override public void download(String bucket, String key, Path target) throws IOException { delegate.download(bucket, key, target); }
    @Override public void ping() throws IOException { delegate.ping(); }
}
