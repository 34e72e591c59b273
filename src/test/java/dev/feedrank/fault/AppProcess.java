package dev.feedrank.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** The packaged feedrank jar as a real process (what a pod runs), with its stdout and stderr in files. */
final class AppProcess implements AutoCloseable {

    final Process process;
    final Path stdout;
    final Path stderr;

    private AppProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static AppProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
        Files.createDirectories(workDir);
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-jar", Path.of(System.getProperty("feedrank.app.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().remove("QUARKUS_DATASOURCE_JDBC_URL");
        pb.environment().remove("FEEDRANK_STORAGE_ENDPOINT");
        pb.environment().putAll(env);
        Path out = Files.createTempFile(workDir, "stdout", ".txt");
        Path err = Files.createTempFile(workDir, "stderr", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        return new AppProcess(pb.start(), out, err);
    }

    String stdoutText() {
        return read(stdout);
    }

    String stderrText() {
        return read(stderr);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The log: stderr for one-shot commands, stdout for {@code serve}; both here. */
    String logText() {
        return stdoutText() + stderrText();
    }

    /** Waits until the log contains the text. */
    void awaitLog(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!logText().contains(text)) {
            if (!process.isAlive()) fail("feedrank exited (" + process.exitValue() + ") before logging '" + text + "':\n" + tail(stderrText()));
            if (System.nanoTime() > deadline) fail("no '" + text + "' in the log after " + timeout + ":\n" + tail(stderrText()));
            Thread.sleep(200);
        }
    }

    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("feedrank did not exit within " + timeout + ":\n" + tail(stderrText()));
        }
        return process.exitValue();
    }

    static String tail(String s) {
        return s.length() <= 6000 ? s : s.substring(s.length() - 6000);
    }

    @Override
    public void close() {
        if (process.isAlive()) process.destroyForcibly();
    }
}
