package dev.feedrank.cli;

import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.Dependent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code feedrank} with no subcommand serves (HTTP + scheduler). */
@Dependent
@Unremovable
@Command(name = "feedrank", mixinStandardHelpOptions = true, subcommands = {ServeCommand.class, RunCommand.class, RegistryCommands.ModelsCommand.class,
        RegistryCommands.PromoteCommand.class, RegistryCommands.RollbackCommand.class, ResumeCommand.class, CancelCommand.class, StageCommand.class},
        description = "Scheduled retraining of two-tower feed-ranking models.")
public class FeedrankCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    private final ServeCommand serve;

    public FeedrankCommand(ServeCommand serve) {
        this.serve = serve;
    }

    @Override
    public Integer call() {
        return serve.call();
    }
}
