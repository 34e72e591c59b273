package dev.feedrank.cli;

import dev.feedrank.model.DjlRuntime;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import picocli.CommandLine;

import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Process entry point. Before Quarkus boots it applies {@code --set} overrides, turns HTTP and the scheduler off
 * for one-shot commands, and in {@code --local} mode starts an embedded PostgreSQL and S3 server when none is
 * configured. Then picocli dispatches the subcommand.
 */
@QuarkusMain
public class FeedrankMain {

    public static void main(String... args) {
        DjlRuntime.ensureOffline();
        LaunchArgs launch = LaunchArgs.scan(args);
        if (launch.command().equals("stage")) loadStageProperties();
        // one spelling per key (map keys unquoted unless they contain a dot), as in application.properties and per-run
        // overrides: two spellings of one map key make SmallRye refuse the other as unmapped
        launch.sets().forEach((k, v) -> System.setProperty(
                dev.feedrank.config.RunConfigFactory.canonical(k.startsWith("feedrank.") ? k : "feedrank." + k), v));
        if (launch.dataset() != null) {
            System.setProperty("feedrank.dataset", launch.dataset());
        }
        if (launch.oneShot()) {
            System.setProperty("quarkus.http.host-enabled", "false");
            System.setProperty("feedrank.schedule.cron", "off");
            System.setProperty("quarkus.log.console.stderr", "true");
        }
        if (launch.local()) {
            if (System.getProperty("quarkus.profile") == null && System.getenv("QUARKUS_PROFILE") == null) {
                System.setProperty("quarkus.profile", "local");
            }
            // local mode reads datasets from the current directory too (data.allowed-locations stays as configured)
            if (System.getProperty("feedrank.data.allow-working-directory") == null) {
                System.setProperty("feedrank.data.allow-working-directory", "true");
            }
            startLocalServices();
        }
        java.util.function.BiConsumer<Integer, Throwable> exit = io.quarkus.runtime.ApplicationLifecycleManager.getDefaultExitCodeHandler();
        Quarkus.run(Cli.class, (code, failure) -> {
            // a start that failed ends with one line saying why (Quarkus logs the stack trace above it)
            if (failure != null) System.err.println("feedrank: could not start: " + startFailure(failure));
            if (exit != null) exit.accept(code, failure);
            else System.exit(code);
        }, args);
    }

    /**
     * What stopped the start: the database missing (with what to set), a refusal of the start-up checks (their own
     * message), else the innermost cause's message (Quarkus prints a configuration error's list of keys only when no
     * exit handler is given, so this is where it is printed).
     */
    static String startFailure(Throwable failure) {
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (m.contains("Datasource '<default>'") && m.contains("URL is not set")) {
                return "no database configured: set QUARKUS_DATASOURCE_JDBC_URL (and QUARKUS_DATASOURCE_USERNAME / "
                        + "QUARKUS_DATASOURCE_PASSWORD) to a PostgreSQL database, or use --local for an embedded one";
            }
            if (m.startsWith("refusing to start")) return m;
            root = t;
        }
        // whole: a configuration error lists each bad key on its own line ("Configuration validation failed:\n\tSRCFG…")
        return root.getMessage() == null || root.getMessage().isBlank() ? root.getClass().getSimpleName() : root.getMessage().strip();
    }

    /**
     * A stage worker started by the process executor gets its orchestrator's configuration (its {@code --set} values,
     * local mode's endpoints) from a properties file named by {@code STAGE_WORKER_PROPERTIES} (not under {@code FEEDRANK_}: every such variable is configuration); values given to this
     * JVM directly win.
     */
    private static void loadStageProperties() {
        String file = System.getenv(dev.feedrank.orchestration.ProcessStageExecutor.PROPERTIES_ENV);
        if (file == null || file.isBlank()) return;
        java.util.Properties p = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(Path.of(file))) {
            p.load(in);
        } catch (java.io.IOException e) {
            System.err.println("feedrank stage: cannot read the orchestrator's configuration " + file + ": " + e.getMessage());
            System.exit(2);
        }
        p.stringPropertyNames().forEach(k -> {
            if (System.getProperty(k) == null) System.setProperty(k, p.getProperty(k));
        });
    }

    /** Local mode lives in an optional part of the build (the {@code local} Maven profile), loaded by name. */
    private static void startLocalServices() {
        try {
            Class<?> local = Class.forName("dev.feedrank.local.LocalServices");
            Method start = local.getMethod("startIfUnconfigured", Path.class);
            start.invoke(null, Path.of(System.getProperty("feedrank.local.dir", ".feedrank")));
        } catch (ClassNotFoundException e) {
            System.err.println("--local is not available in this build (it was packaged with -Dfeedrank.noLocal); "
                    + "configure QUARKUS_DATASOURCE_JDBC_URL and FEEDRANK_STORAGE_ENDPOINT instead");
            System.exit(2);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            System.err.println("local mode could not start its embedded services: " + cause);
            System.exit(2);
        }
    }

    /** Runs the picocli command line inside the booted application. */
    public static class Cli implements QuarkusApplication {
        @Inject
        CommandLine.IFactory factory;

        @Override
        public int run(String... args) {
            return new CommandLine(FeedrankCommand.class, factory).execute(args);
        }
    }
}
