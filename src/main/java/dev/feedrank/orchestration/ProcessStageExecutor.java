package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * {@code stages.executor=process}: every stage attempt runs in a child JVM, {@code feedrank stage RUN_ID STAGE ATTEMPT}
 * ({@link StageWorker}), the contract the Kubernetes executor relies on. The child gets this process's environment,
 * the configuration this process was given on its command line or found at start-up (system properties under
 * {@code feedrank.}, {@code quarkus.}, {@code mp.}, {@code smallrye.}, {@code ai.djl.}: {@code --set}, local mode's
 * embedded PostgreSQL and S3) through a file readable by the owner only ({@value #PROPERTIES_ENV}, deleted when the
 * child ends), and this process's pid ({@value StageWorker#PARENT_PID_ENV}: the child stops when it is gone). Its
 * output is copied to this process's stderr. A stop (cancel, replace, shutdown) or the stage timeout sends SIGTERM:
 * the child checkpoints and records a STOPPED result; after {@code runs.shutdown-grace-seconds} it is killed. A child
 * that ends without a result (killed, out of memory) failed transiently: the runner retries the attempt, and the
 * stage resumes from its checkpoint.
 */
@ApplicationScoped
public class ProcessStageExecutor implements StageExecutor {

    private static final Logger LOG = Logger.getLogger(ProcessStageExecutor.class);
    public static final String PROPERTIES_ENV = "STAGE_WORKER_PROPERTIES";
    private static final List<String> PASSED_PREFIXES = List.of("feedrank.", "quarkus.", "mp.", "smallrye.", "ai.djl.");

    private final RunStore store;

    public ProcessStageExecutor(RunStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return PROCESS;
    }

    @Override
    public void execute(Stage stage, StageAttempt attempt, StageContext ctx, RunControl control) throws Exception {
        FeedrankConfig config = ctx.config();
        List<String> command = new ArrayList<>(program(config.stages().process()));
        command.addAll(attempt.workerArguments());
        Path dir = Path.of(config.workDir()).resolve("run-" + attempt.runId());
        Files.createDirectories(dir);
        Path props = writeProperties(dir, attempt);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put(PROPERTIES_ENV, props.toString());
        pb.environment().put(StageWorker.PARENT_PID_ENV, Long.toString(ProcessHandle.current().pid()));
        pb.environment().putIfAbsent("DJL_OFFLINE", "true");
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            Files.deleteIfExists(props);
            throw new RemoteStageException("could not start the stage process " + command.get(0) + ": " + e.getMessage(), false);
        }
        LOG.infof("run %d: stage %s attempt %d runs in process %d", attempt.runId(), attempt.stage(), attempt.attempt(), child.pid());
        Thread pump = new Thread(() -> copyOutput(child), "stage-" + child.pid() + "-output");
        pump.setDaemon(true);
        pump.start();
        int code;
        try {
            code = await(child, control, config.runs().shutdownGraceSeconds());
            pump.join(2000);
        } finally {
            if (child.isAlive()) child.destroyForcibly();
            Files.deleteIfExists(props);
        }
        var result = store.attemptResult(attempt.stageExecutionId());
        if (result.isEmpty()) {
            throw new RemoteStageException("interrupted: the stage process " + child.pid() + " exited with code " + code
                    + " without recording a result", true);
        }
        result.get().applyTo(ctx, control);
    }

    /**
     * Waits for the child; a stop request or an interrupt (the stage timeout) sends SIGTERM once, then waits the grace
     * period before killing it. Returns its exit code.
     */
    private static int await(Process child, RunControl control, int graceSeconds) throws InterruptedException {
        long killAt = Long.MAX_VALUE;
        while (true) {
            boolean interrupted = false;
            try {
                if (child.waitFor(200, TimeUnit.MILLISECONDS)) return child.exitValue();
            } catch (InterruptedException e) {
                interrupted = true; // the stage timeout: the runner's watchdog has asked the run to stop
            }
            if ((interrupted || control.stopRequested()) && killAt == Long.MAX_VALUE) {
                LOG.warnf("run %d: asking stage process %d to stop (%s)", control.runId(), child.pid(),
                        control.reason() == null ? RunControl.TIMEOUT : control.reason());
                child.destroy(); // SIGTERM
                killAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(1, graceSeconds));
            }
            if (System.nanoTime() > killAt) {
                LOG.errorf("run %d: stage process %d did not stop within %d s; killing it", control.runId(), child.pid(), graceSeconds);
                child.destroyForcibly();
                return child.waitFor();
            }
        }
    }

    private static void copyOutput(Process child) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) System.err.println(line);
        } catch (IOException e) {
            // the child is gone
        }
    }

    /** This process's configuration as system properties, in a file only its owner reads. */
    private static Path writeProperties(Path dir, StageAttempt attempt) throws IOException {
        Properties p = new Properties();
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if (PASSED_PREFIXES.stream().anyMatch(key::startsWith)) p.setProperty(key, v.toString());
        });
        Path file = dir.resolve("stage-" + attempt.stage() + "-" + attempt.attempt() + ".properties");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "feedrank stage worker configuration (deleted when the worker ends)");
        }
        return file;
    }

    /** The configured command, or this JVM again: java, its options, and its jar or class path and main class. */
    static List<String> program(FeedrankConfig.Stages.Process settings) {
        if (settings.command().isPresent() && !settings.command().get().isEmpty()) return settings.command().get();
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-agentlib:jdwp") || arg.startsWith("-Xrunjdwp")) continue; // one debugger port per process
            cmd.add(arg);
        }
        settings.javaOptions().ifPresent(cmd::addAll);
        String launched = System.getProperty("sun.java.command", "").trim();
        String first = launched.isEmpty() ? "" : launched.split("\\s+")[0];
        if (first.endsWith(".jar")) {
            cmd.add("-jar");
            cmd.add(first);
        } else {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(first.isEmpty() ? "dev.feedrank.cli.FeedrankMain" : first);
        }
        return cmd;
    }
}
