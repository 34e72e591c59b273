package dev.feedrank.local;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** A real S3 server in-process (s3proxy): on a folder ({@code filesystem-nio2}) or in memory ({@code transient-nio2}). */
public final class EmbeddedS3 implements AutoCloseable {

    private final S3Proxy proxy;
    private final String endpoint;

    private EmbeddedS3(S3Proxy proxy) {
        this.proxy = proxy;
        this.endpoint = "http://127.0.0.1:" + proxy.getPort();
    }

    /** @param folder where objects are kept, or null to keep them in memory */
    public static EmbeddedS3 start(Path folder, String accessKey, String secretKey) throws Exception {
        return start(folder, accessKey, secretKey, 0);
    }

    /** @param port a fixed port (to restart a server where clients expect it), or 0 for any free one */
    public static EmbeddedS3 start(Path folder, String accessKey, String secretKey, int port) throws Exception {
        Properties props = new Properties();
        props.setProperty("jclouds.identity", accessKey);
        props.setProperty("jclouds.credential", secretKey);
        String store = "transient-nio2";
        if (folder != null) {
            Files.createDirectories(folder);
            props.setProperty("jclouds.filesystem.basedir", folder.toAbsolutePath().toString());
            store = "filesystem-nio2";
        }
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(BlobStores.create(store, props))
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            Thread.sleep(20);
        }
        return new EmbeddedS3(proxy);
    }

    public String endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
