package dev.feedrank.storage;

import dev.feedrank.config.FeedrankConfig;
import io.minio.BucketExistsArgs;
import io.minio.DownloadObjectArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@link ObjectStorage} over any S3-compatible server through the MinIO Java client. */
@ApplicationScoped
public class MinioObjectStorage implements ObjectStorage {

    private static final Logger LOG = Logger.getLogger(MinioObjectStorage.class);

    private final FeedrankConfig.Storage config;
    private volatile MinioClient client;
    private volatile boolean bucketReady;

    public MinioObjectStorage(FeedrankConfig config) {
        this.config = config.storage();
    }

    private MinioClient client() {
        MinioClient c = client;
        if (c == null) {
            String endpoint = config.endpoint().filter(s -> !s.isBlank()).orElseThrow(() -> new IllegalStateException(
                    "no S3 endpoint configured: set feedrank.storage.endpoint (FEEDRANK_STORAGE_ENDPOINT) or use --local"));
            c = MinioClient.builder().endpoint(endpoint).region(config.region())
                    .credentials(config.accessKey(), config.secretKey()).build();
            client = c;
        }
        return c;
    }

    private MinioClient ready() throws IOException {
        MinioClient c = client();
        if (!bucketReady) {
            synchronized (this) {
                if (!bucketReady) {
                    call(() -> {
                        if (!c.bucketExists(BucketExistsArgs.builder().bucket(bucket()).build())) {
                            c.makeBucket(MakeBucketArgs.builder().bucket(bucket()).build());
                            LOG.infof("created bucket %s", bucket());
                        }
                        return null;
                    }, "create bucket " + bucket());
                    bucketReady = true;
                }
            }
        }
        return c;
    }

    @Override
    public String bucket() {
        return config.bucket();
    }

    @Override
    public void put(String key, Path file) throws IOException {
        MinioClient c = ready();
        call(() -> c.uploadObject(UploadObjectArgs.builder().bucket(bucket()).object(key).filename(file.toString()).build()), "put " + key);
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) throws IOException {
        MinioClient c = ready();
        call(() -> c.putObject(PutObjectArgs.builder().bucket(bucket()).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).contentType(contentType).build()), "put " + key);
    }

    @Override
    public byte[] get(String key) throws IOException {
        MinioClient c = ready();
        return call(() -> {
            try (InputStream in = c.getObject(GetObjectArgs.builder().bucket(bucket()).object(key).build())) {
                return in.readAllBytes();
            }
        }, "get " + key);
    }

    @Override
    public void download(String key, Path target) throws IOException {
        download(bucket(), key, target);
    }

    @Override
    public void download(String bucket, String key, Path target) throws IOException {
        MinioClient c = bucket.equals(bucket()) ? ready() : client();
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.deleteIfExists(target);
        call(() -> {
            c.downloadObject(DownloadObjectArgs.builder().bucket(bucket).object(key).filename(target.toString()).build());
            return null;
        }, "download s3://" + bucket + "/" + key);
    }

    @Override
    public boolean exists(String key) throws IOException {
        MinioClient c = ready();
        return call(() -> {
            try {
                c.statObject(StatObjectArgs.builder().bucket(bucket()).object(key).build());
                return true;
            } catch (ErrorResponseException e) {
                if ("NoSuchKey".equals(e.errorResponse().code()) || "NoSuchObject".equals(e.errorResponse().code())) return false;
                throw e;
            }
        }, "stat " + key);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        ready();
        return list(bucket(), prefix);
    }

    @Override
    public List<String> list(String bucket, String prefix) throws IOException {
        MinioClient c = client();
        return call(() -> {
            List<String> keys = new ArrayList<>();
            for (Result<Item> r : c.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                Item item = r.get();
                if (!item.isDir()) keys.add(item.objectName());
            }
            return keys;
        }, "list s3://" + bucket + "/" + prefix);
    }

    @Override
    public void ping() throws IOException {
        MinioClient c = client();
        try {
            c.bucketExists(BucketExistsArgs.builder().bucket(bucket()).build());
        } catch (Exception e) {
            throw new IOException("S3 endpoint " + config.endpoint().orElse("?") + " unreachable: " + e.getMessage(), e);
        }
    }

    private interface S3Call<T> {
        T call() throws Exception;
    }

    /** Retries transient failures (network, 5xx) with exponential backoff; client errors fail at once. */
    private <T> T call(S3Call<T> op, String what) throws IOException {
        int attempts = Math.max(1, config.attempts());
        long backoffMs = 200;
        for (int attempt = 1; ; attempt++) {
            try {
                return op.call();
            } catch (ErrorResponseException e) {
                String code = e.errorResponse().code();
                boolean transientError = code != null && (code.equals("InternalError") || code.equals("SlowDown") || code.equals("ServiceUnavailable"));
                if (code != null && (code.equals("NoSuchKey") || code.equals("NoSuchBucket"))) {
                    // not transient: a missing object is a FileNotFoundException, which the runner never retries
                    throw (IOException) new java.io.FileNotFoundException("S3 " + what + " failed: " + code + " " + e.getMessage()).initCause(e);
                }
                if (!transientError || attempt >= attempts) {
                    throw new IOException("S3 " + what + " failed: " + code + " " + e.getMessage(), e);
                }
            } catch (IOException | RuntimeException e) {
                if (attempt >= attempts) throw new IOException("S3 " + what + " failed after " + attempt + " attempt(s): " + e.getMessage(), e);
            } catch (Exception e) {
                throw new IOException("S3 " + what + " failed: " + e.getMessage(), e);
            }
            LOG.warnf("S3 %s failed (attempt %d of %d), retrying in %d ms", what, attempt, attempts, backoffMs);
            try {
                Thread.sleep(backoffMs + (long) (Math.random() * backoffMs / 2));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while retrying S3 " + what, ie);
            }
            backoffMs *= 2;
        }
    }
}
