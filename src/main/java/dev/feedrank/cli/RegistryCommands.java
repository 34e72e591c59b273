package dev.feedrank.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.persistence.ModelAliasEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.registry.ModelRegistry;
import dev.feedrank.registry.RegistryException;
import io.quarkus.arc.Unremovable;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.Dependent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The registry from the command line, with the REST API's rules: {@code models}, {@code promote} and
 * {@code rollback}. The CLI talks to the database directly, so it needs no token; "who" is {@code --actor} or
 * {@code cli:<OS user>}. Exit codes: 0 done, 1 refused (unknown version, rule violated), 2 invalid arguments.
 */
public final class RegistryCommands {

    private RegistryCommands() {
    }

    static String actor(String explicit) {
        return explicit != null && !explicit.isBlank() ? explicit.trim() : "cli:" + System.getProperty("user.name", "unknown");
    }

    static int refused(String command, RegistryException e) {
        System.err.println("feedrank " + command + ": " + e.getMessage());
        return e.kind() == RegistryException.Kind.INVALID ? 2 : 1;
    }

    @Dependent
    @Unremovable
    @Command(name = "models", mixinStandardHelpOptions = true, description = "List model versions, newest first, with their aliases.")
    public static class ModelsCommand implements Callable<Integer> {

        @Mixin
        CommonOptions options;

        @Option(names = "--json", description = "print a JSON array instead of a table")
        boolean json;

        private final ModelRegistry registry;
        private final ObjectMapper mapper;

        public ModelsCommand(ModelRegistry registry, ObjectMapper mapper) {
            this.registry = registry;
            this.mapper = mapper;
        }

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = QuarkusTransaction.requiringNew().call(() -> {
                List<Map<String, Object>> out = new ArrayList<>();
                for (ModelVersionEntity v : registry.versions()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("version", v.version);
                    row.put("runId", v.runId);
                    row.put("status", v.status);
                    row.put("aliases", ModelAliasEntity.<ModelAliasEntity>list("version", v.version).stream().map(a -> a.alias).sorted().toList());
                    row.put("createdAt", v.createdAt.toString());
                    Map<String, Double> m = ModelRegistry.testMetrics(v.runId);
                    row.put("auc", m.get("auc"));
                    row.put("ndcg@10", m.get("ndcg@10"));
                    out.add(row);
                }
                return out;
            });
            if (json) {
                System.out.println(mapper.writeValueAsString(rows));
            } else {
                System.out.printf(Locale.ROOT, "%-28s %5s %-9s %-20s %8s %8s  %s%n", "version", "run", "status", "aliases", "auc", "ndcg@10", "created");
                for (Map<String, Object> r : rows) {
                    System.out.printf(Locale.ROOT, "%-28s %5s %-9s %-20s %8s %8s  %s%n", r.get("version"), r.get("runId"), r.get("status"),
                            String.join(",", (List<String>) r.get("aliases")), fmt(r.get("auc")), fmt(r.get("ndcg@10")), r.get("createdAt"));
                }
            }
            return 0;
        }

        private static String fmt(Object d) {
            return d == null ? "-" : String.format(Locale.ROOT, "%.4f", (Double) d);
        }
    }

    @Dependent
    @Unremovable
    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Point an alias (default production) at a model version; a reason is required, and a rejected or archived version needs --force.")
    public static class PromoteCommand implements Callable<Integer> {

        @Mixin
        CommonOptions options;

        @Parameters(index = "0", paramLabel = "VERSION")
        String version;

        @Option(names = "--alias", defaultValue = ModelRegistry.PRODUCTION, description = "alias to move (default: ${DEFAULT-VALUE})")
        String alias;

        @Option(names = "--reason", description = "why (required; recorded in the alias history)")
        String reason;

        @Option(names = "--force", description = "allow promoting a rejected or archived version (recorded as forced)")
        boolean force;

        @Option(names = "--actor", description = "who, for the history (default cli:<OS user>)")
        String actor;

        private final ModelRegistry registry;

        public PromoteCommand(ModelRegistry registry) {
            this.registry = registry;
        }

        @Override
        public Integer call() {
            try {
                ModelRegistry.AliasMove m = registry.promote(version, alias, actor(actor), reason, force);
                System.out.printf("%s: %s -> %s%s (by %s: %s)%n", m.alias(), m.from() == null ? "(none)" : m.from(), m.to(),
                        m.forced() ? " [forced]" : "", m.actor(), m.reason());
                return 0;
            } catch (RegistryException e) {
                return refused("promote", e);
            }
        }
    }

    @Dependent
    @Unremovable
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Move an alias (default production) back to the version it pointed at before its latest move.")
    public static class RollbackCommand implements Callable<Integer> {

        @Mixin
        CommonOptions options;

        @Parameters(index = "0", arity = "0..1", paramLabel = "ALIAS", defaultValue = ModelRegistry.PRODUCTION)
        String alias;

        @Option(names = "--reason", description = "why (required; recorded in the alias history)")
        String reason;

        @Option(names = "--actor", description = "who, for the history (default cli:<OS user>)")
        String actor;

        private final ModelRegistry registry;

        public RollbackCommand(ModelRegistry registry) {
            this.registry = registry;
        }

        @Override
        public Integer call() {
            try {
                ModelRegistry.AliasMove m = registry.rollback(alias, actor(actor), reason);
                System.out.printf("%s rolled back: %s -> %s (by %s: %s)%n", m.alias(), m.from(), m.to(), m.actor(), m.reason());
                return 0;
            } catch (RegistryException e) {
                return refused("rollback", e);
            }
        }
    }
}
