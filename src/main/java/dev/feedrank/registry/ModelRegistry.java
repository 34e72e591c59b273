package dev.feedrank.registry;

import dev.feedrank.persistence.AliasHistoryEntity;
import dev.feedrank.persistence.ModelAliasEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.persistence.PipelineRunEntity;
import dev.feedrank.persistence.RunMetricEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Model versions (candidate, promoted, rejected, archived), aliases (such as {@code production}) and the
 * append-only history of alias moves: who moved which alias from which version to which, when, why, whether it was
 * the gate or a person, and whether a rejected or archived version was forced.
 */
@ApplicationScoped
public class ModelRegistry {

    public static final String PRODUCTION = "production";

    @Inject
    Instance<ServingPublisher> servingPublishers;
    private static final Pattern ALIAS = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

    /** The version an alias points at and the test metrics of the run that produced it. */
    public record AliasedVersion(String alias, String version, long runId, String bundlePrefix, Map<String, Double> metrics) {
    }

    /** One move of an alias. */
    public record AliasMove(String alias, String from, String to, Instant at, Long runId, String actor, String reason,
                            boolean automatic, String action, boolean forced) {
    }

    /**
     * The model version id of a run's export: the first call fixes it (stored with the run), every later call (a
     * retried or resumed export) returns the same id, so an export never leaves a second version behind.
     */
    public String exportVersion(long runId, String proposed) {
        return QuarkusTransaction.requiringNew().call(() -> {
            PipelineRunEntity.update("exportVersion = coalesce(exportVersion, ?1) where id = ?2", proposed, runId);
            return PipelineRunEntity.<PipelineRunEntity>findById(runId).exportVersion;
        });
    }

    /**
     * Registers a run's version; registering the same version for the same run again (a retried or resumed export)
     * is a no-op, the same version id from another run a conflict.
     */
    public void register(String version, long runId, String bundlePrefix, String dataHash, boolean gatePassed) {
        QuarkusTransaction.requiringNew().run(() -> {
            ModelVersionEntity existing = ModelVersionEntity.findById(version, LockModeType.PESSIMISTIC_WRITE);
            if (existing != null) {
                if (existing.runId == runId) return;
                throw new RegistryException(RegistryException.Kind.CONFLICT, "model version " + version
                        + " already belongs to run " + existing.runId);
            }
            ModelVersionEntity v = new ModelVersionEntity();
            v.version = version;
            v.runId = runId;
            v.status = gatePassed ? "candidate" : "rejected";
            v.bundlePrefix = bundlePrefix;
            v.dataHash = dataHash;
            v.gatePassed = gatePassed;
            v.createdAt = Instant.now();
            v.persist();
        });
    }

    /** What {@link #promoteIfChampion} did. */
    public record Promotion(boolean promoted, boolean alreadyDone, String current) {
    }

    /**
     * The gate's promotion, a compare-and-set: moves {@code alias} to a run's version only if it still points at
     * {@code expected} (the champion the run's evaluate compared against; null = no version yet), in one transaction
     * with the history row and with {@code fence} (the run's lease check, which joins the transaction and locks the
     * lease row until commit). If an operator moved the alias meanwhile, nothing moves ({@code promoted} false,
     * {@code current} says where the alias points). A move this run already made (a retried or resumed export) is
     * reported as done and not repeated: no second history row.
     */
    public Promotion promoteIfChampion(String alias, String version, long runId, String expected, String actor,
                                       String reason, Runnable fence) {
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelVersionEntity v = ModelVersionEntity.findById(version);
            if (v == null) throw new RegistryException(RegistryException.Kind.NOT_FOUND, "unknown model version " + version);
            ModelAliasEntity a = ModelAliasEntity.findById(alias, LockModeType.PESSIMISTIC_WRITE);
            String current = a == null ? null : a.version;
            if (AliasHistoryEntity.count("alias = ?1 and toVersion = ?2 and runId = ?3 and automatic = true",
                    alias, version, runId) > 0) {
                return new Promotion(true, true, current);
            }
            if (!java.util.Objects.equals(current, expected)) return new Promotion(false, false, current);
            fence.run();
            move(alias, v, runId, actor, reason, true, false, "promote");
            return new Promotion(true, false, version);
        });
    }

    /**
     * Moves an alias to a version and appends the move to the alias history, in one transaction (the alias row is
     * locked, so concurrent moves serialise).
     */
    public AliasMove moveAlias(String alias, String version, Long runId, String actor, String reason, boolean automatic,
                               boolean forced, String action) {
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelVersionEntity v = ModelVersionEntity.findById(version);
            if (v == null) throw new RegistryException(RegistryException.Kind.NOT_FOUND, "unknown model version " + version);
            return move(alias, v, runId, actor, reason, automatic, forced, action);
        });
    }

    private AliasMove move(String alias, ModelVersionEntity v, Long runId, String actor, String reason, boolean automatic,
                           boolean forced, String action) {
        ModelAliasEntity a = ModelAliasEntity.findById(alias, LockModeType.PESSIMISTIC_WRITE);
        Instant now = Instant.now();
        String from = a == null ? null : a.version;
        if (a == null) {
            a = new ModelAliasEntity();
            a.alias = alias;
            a.version = v.version;
            a.updatedAt = now;
            a.persist();
        } else {
            a.version = v.version;
            a.updatedAt = now;
        }
        if (PRODUCTION.equals(alias)) v.status = "promoted";
        AliasHistoryEntity h = new AliasHistoryEntity();
        h.alias = alias;
        h.fromVersion = from;
        h.toVersion = v.version;
        h.movedAt = now;
        h.runId = runId;
        h.actor = actor;
        h.reason = reason;
        h.automatic = automatic;
        h.forced = forced;
        h.action = action;
        h.persist();
        return view(h);
    }

    /**
     * A manual promotion: a reason is required; a rejected or archived version needs {@code force} and the move is
     * marked forced.
     */
    public AliasMove promote(String version, String alias, String actor, String reason, boolean force) {
        String target = alias == null || alias.isBlank() ? PRODUCTION : alias.trim();
        if (!ALIAS.matcher(target).matches()) {
            throw new RegistryException(RegistryException.Kind.INVALID, "alias '" + target + "' must match " + ALIAS.pattern());
        }
        requireReason(reason, "promotion");
        // the checks once before serving is prepared (a refused move touches nothing), again under the lock
        String bundlePrefix = QuarkusTransaction.requiringNew().call(() -> promotable(version, target, force, false).bundlePrefix);
        return servedMove(target, version, bundlePrefix, () -> {
            ModelVersionEntity v = promotable(version, target, force, true);
            boolean needsForce = "rejected".equals(v.status) || "archived".equals(v.status);
            if ("archived".equals(v.status)) v.status = "candidate";
            return move(target, v, null, actor, reason.trim(), false, needsForce, "promote");
        });
    }

    private static ModelVersionEntity promotable(String version, String target, boolean force, boolean lock) {
        ModelVersionEntity v = ModelVersionEntity.findById(version);
        if (v == null) throw new RegistryException(RegistryException.Kind.NOT_FOUND, "unknown model version " + version);
        boolean needsForce = "rejected".equals(v.status) || "archived".equals(v.status);
        if (needsForce && !force) {
            throw new RegistryException(RegistryException.Kind.CONFLICT, "model version " + version + " is " + v.status
                    + "; promoting it needs \"force\": true (the move is then recorded as forced)");
        }
        ModelAliasEntity current = lock ? ModelAliasEntity.findById(target, LockModeType.PESSIMISTIC_WRITE) : ModelAliasEntity.findById(target);
        if (current != null && current.version.equals(version)) {
            throw new RegistryException(RegistryException.Kind.CONFLICT, "alias " + target + " already points at " + version);
        }
        return v;
    }

    /** Moves the alias back to the version it pointed at before its latest move; recorded as a rollback. */
    public AliasMove rollback(String alias, String actor, String reason) {
        requireReason(reason, "rollback");
        ModelVersionEntity target = QuarkusTransaction.requiringNew().call(() -> rollbackTarget(alias, false));
        return servedMove(alias, target.version, target.bundlePrefix, () -> {
            ModelVersionEntity previous = rollbackTarget(alias, true);
            if (!previous.version.equals(target.version)) {
                throw new RegistryException(RegistryException.Kind.CONFLICT, "alias " + alias + " moved while the rollback was prepared; try again");
            }
            return move(alias, previous, null, actor, reason.trim(), false, false, "rollback");
        });
    }

    /** The version a rollback of the alias moves to (the one it pointed at before its latest move). */
    private static ModelVersionEntity rollbackTarget(String alias, boolean lock) {
        ModelAliasEntity current = lock ? ModelAliasEntity.findById(alias, LockModeType.PESSIMISTIC_WRITE) : ModelAliasEntity.findById(alias);
        if (current == null) throw new RegistryException(RegistryException.Kind.NOT_FOUND, "alias " + alias + " points at no model version");
        AliasHistoryEntity last = AliasHistoryEntity.find("alias = ?1 order by movedAt desc, id desc", alias).firstResult();
        if (last == null || last.fromVersion == null) {
            throw new RegistryException(RegistryException.Kind.CONFLICT, "alias " + alias
                    + " has no earlier version to roll back to (its first version is " + current.version + ")");
        }
        ModelVersionEntity previous = ModelVersionEntity.findById(last.fromVersion);
        if ("archived".equals(previous.status)) {
            throw new RegistryException(RegistryException.Kind.CONFLICT, "the previous version " + previous.version
                    + " is archived; promote it explicitly with force if it must serve again");
        }
        return previous;
    }

    /**
     * A manual move; for {@code production} serving follows it: the target is prepared first (Redis: written and
     * verified, re-published from its bundle if its keys expired), then the alias moves in a transaction that
     * points serving at the target before it commits. If serving cannot be reached, nothing moves.
     */
    private AliasMove servedMove(String alias, String version, String bundlePrefix, java.util.function.Supplier<AliasMove> move) {
        ServingPublisher serving = PRODUCTION.equals(alias) ? serving() : null;
        if (serving != null) serving("prepare", version, () -> serving.prepare(version, bundlePrefix));
        AliasMove[] activated = new AliasMove[1];
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                AliasMove m = move.get();
                if (serving != null) {
                    serving("point serving at", version, () -> serving.activate(version));
                    activated[0] = m;
                }
                return m;
            });
        } catch (RuntimeException e) {
            if (activated[0] != null && activated[0].from() != null) serving.restore(activated[0].from());
            throw e;
        }
    }

    private interface ServingCall {
        void run() throws Exception;
    }

    private static void serving(String what, String version, ServingCall call) {
        try {
            call.run();
        } catch (RegistryException e) {
            throw e;
        } catch (Exception e) {
            throw new RegistryException(RegistryException.Kind.UNAVAILABLE, "could not " + what + " " + version
                    + " (serving: " + e.getMessage() + "); the alias did not move", e);
        }
    }

    private ServingPublisher serving() {
        return servingPublishers != null && servingPublishers.isResolvable() ? servingPublishers.get() : null;
    }

    /** Archives a version no alias points at; recorded on the version (who, when, why). */
    public ModelVersionEntity archive(String version, String actor, String reason) {
        requireReason(reason, "archiving");
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelVersionEntity v = ModelVersionEntity.findById(version, LockModeType.PESSIMISTIC_WRITE);
            if (v == null) throw new RegistryException(RegistryException.Kind.NOT_FOUND, "unknown model version " + version);
            List<ModelAliasEntity> pointing = ModelAliasEntity.list("version", version);
            if (!pointing.isEmpty()) {
                throw new RegistryException(RegistryException.Kind.CONFLICT, "model version " + version + " is aliased as "
                        + pointing.stream().map(a -> a.alias).toList() + "; move the alias first");
            }
            if ("archived".equals(v.status)) {
                throw new RegistryException(RegistryException.Kind.CONFLICT, "model version " + version + " is already archived");
            }
            v.status = "archived";
            v.statusChangedAt = Instant.now();
            v.statusChangedBy = actor;
            v.statusReason = reason.trim();
            return v;
        });
    }

    private static void requireReason(String reason, String what) {
        if (reason == null || reason.isBlank()) {
            throw new RegistryException(RegistryException.Kind.INVALID, "a " + what + " needs a non-empty \"reason\"");
        }
    }

    public Optional<AliasedVersion> resolve(String alias) {
        return QuarkusTransaction.joiningExisting().call(() -> {
            ModelAliasEntity a = ModelAliasEntity.findById(alias);
            if (a == null) return Optional.empty();
            ModelVersionEntity v = ModelVersionEntity.findById(a.version);
            return Optional.of(new AliasedVersion(alias, v.version, v.runId, v.bundlePrefix, testMetrics(v.runId)));
        });
    }

    /** The move that was in force at {@code at}: the alias's last move at or before that instant. */
    public Optional<AliasMove> resolveAt(String alias, Instant at) {
        return QuarkusTransaction.joiningExisting().call(() -> AliasHistoryEntity
                .<AliasHistoryEntity>find("alias = ?1 and movedAt <= ?2 order by movedAt desc, id desc", alias, at)
                .firstResultOptional().map(ModelRegistry::view));
    }

    /** The model's test metrics stored by a run's evaluate stage. */
    public static Map<String, Double> testMetrics(long runId) {
        Map<String, Double> out = new LinkedHashMap<>();
        List<RunMetricEntity> rows = RunMetricEntity.list("runId = ?1 and subject = 'model' and split = 'test' order by id", runId);
        for (RunMetricEntity m : rows) out.put(m.name, m.value);
        return out;
    }

    public List<ModelVersionEntity> versions() {
        return QuarkusTransaction.joiningExisting().call(() -> ModelVersionEntity.list("order by createdAt desc"));
    }

    public Optional<ModelVersionEntity> version(String version) {
        return QuarkusTransaction.joiningExisting().call(() -> ModelVersionEntity.findByIdOptional(version));
    }

    public List<AliasMove> history(String alias) {
        return QuarkusTransaction.joiningExisting().call(() -> AliasHistoryEntity
                .<AliasHistoryEntity>list("alias = ?1 order by movedAt, id", alias).stream().map(ModelRegistry::view).toList());
    }

    private static AliasMove view(AliasHistoryEntity h) {
        return new AliasMove(h.alias, h.fromVersion, h.toVersion, h.movedAt, h.runId, h.actor, h.reason, h.automatic,
                h.action, h.forced);
    }
}
