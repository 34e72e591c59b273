package dev.feedrank.cli;

import dev.feedrank.orchestration.RunLauncher;
import dev.feedrank.orchestration.RunStateException;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.Dependent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code feedrank cancel RUN_ID}: asks a queued or running run to stop, wherever it executes (its owner sees the
 * request with its next heartbeat; training checkpoints between batches). Exit 0 when asked, 2 when refused.
 */
@Dependent
@Unremovable
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Ask a queued or running run to stop.")
public class CancelCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Parameters(index = "0", paramLabel = "RUN_ID")
    long runId;

    @Option(names = "--actor", description = "who, for the run's record (default cli:<OS user>)")
    String actor;

    private final RunLauncher launcher;

    public CancelCommand(RunLauncher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() {
        String done;
        try {
            done = launcher.cancel(runId, RegistryCommands.actor(actor));
        } catch (RunStateException e) {
            System.err.println("feedrank cancel: " + e.getMessage());
            return 2;
        }
        System.out.println("run " + runId + ": " + done);
        return 0;
    }
}
