package dev.feedrank.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.Dependent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Dependent
@Unremovable
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the REST API and run the cron schedule until stopped.")
public class ServeCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Override
    public Integer call() {
        Quarkus.waitForExit();
        return 0;
    }
}
