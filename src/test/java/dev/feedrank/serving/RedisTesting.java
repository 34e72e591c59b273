package dev.feedrank.serving;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/** Redis for tests: settings for the machine's shared server (unique key prefix per test class, cleaned up), or a redis-server of a test's own. */
public final class RedisTesting {

    public static final String MACHINE_URL = "redis://127.0.0.1:6379/0";

    private RedisTesting() {
    }

    public static String uniquePrefix() {
        return "feedrank-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static RedisSettings settings(String url, String prefix) {
        return new RedisSettings(url, Optional.empty(), false, Duration.ofHours(24), 2, false, 50, prefix, Duration.ofSeconds(5));
    }

    /** Deletes every key under the prefix on the machine's Redis (never FLUSHDB: the server is shared). */
    public static void deleteKeys(String url, String prefix) throws Exception {
        String port = url.replaceAll(".*:(\\d+).*", "$1");
        Process p = new ProcessBuilder("bash", "-c", "redis-cli -p " + port + " --scan --pattern '" + prefix + ":*' | xargs -r -d '\\n' redis-cli -p "
                + port + " unlink > /dev/null").inheritIO().start();
        p.waitFor();
    }

    /** A redis-server of a test's own on a free port (no persistence); stop it with {@link #close()}. */
    public static final class OwnServer implements AutoCloseable {
        private final Process process;
        public final int port;

        private OwnServer(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        public static OwnServer start() throws Exception {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path dir = Files.createTempDirectory("feedrank-redis");
            Process p = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) {
                try (Socket ignored = new Socket("127.0.0.1", port)) {
                    return new OwnServer(p, port);
                } catch (IOException e) {
                    if (System.nanoTime() > deadline || !p.isAlive()) {
                        p.destroyForcibly();
                        throw new IllegalStateException("redis-server did not start on port " + port);
                    }
                    Thread.sleep(100);
                }
            }
        }

        public String url() {
            return "redis://127.0.0.1:" + port + "/0";
        }

        /** Freezes the server (SIGSTOP): connections are accepted by the kernel but nothing answers. */
        public void pause() throws Exception {
            signal("STOP");
        }

        public void resume() throws Exception {
            signal("CONT");
        }

        private void signal(String sig) throws Exception {
            new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor();
        }

        @Override
        public void close() throws Exception {
            if (!process.isAlive()) return;
            resume();
            process.destroy();
            process.waitFor();
        }
    }
}
