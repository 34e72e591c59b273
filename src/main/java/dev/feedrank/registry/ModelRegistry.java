package dev.feedrank.registry;

import dev.feedrank.persistence.AliasHistoryEntity;
import dev.feedrank.persistence.ModelAliasEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.persistence.RunMetricEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Model versions, aliases (such as {@code production}) and the append-only history of alias moves. */
@ApplicationScoped
public class ModelRegistry {

    public static final String PRODUCTION = "production";

    /** The version an alias points at and the test metrics of the run that produced it. */
    public record AliasedVersion(String alias, String version, long runId, String bundlePrefix, Map<String, Double> metrics) {
    }

    public void register(String version, long runId, String bundlePrefix, String dataHash, boolean gatePassed) {
        QuarkusTransaction.requiringNew().run(() -> {
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

    /** Moves an alias to a version and appends the move to the alias history, in one transaction. */
    public void moveAlias(String alias, String version, Long runId, String actor, String reason, boolean automatic) {
        QuarkusTransaction.requiringNew().run(() -> {
            ModelVersionEntity v = ModelVersionEntity.findById(version);
            if (v == null) throw new IllegalArgumentException("unknown model version " + version);
            ModelAliasEntity a = ModelAliasEntity.findById(alias, LockModeType.PESSIMISTIC_WRITE);
            Instant now = Instant.now();
            String from = a == null ? null : a.version;
            if (a == null) {
                a = new ModelAliasEntity();
                a.alias = alias;
                a.version = version;
                a.updatedAt = now;
                a.persist();
            } else {
                a.version = version;
                a.updatedAt = now;
            }
            if (PRODUCTION.equals(alias)) {
                v.status = "promoted";
            }
            AliasHistoryEntity h = new AliasHistoryEntity();
            h.alias = alias;
            h.fromVersion = from;
            h.toVersion = version;
            h.movedAt = now;
            h.runId = runId;
            h.actor = actor;
            h.reason = reason;
            h.automatic = automatic;
            h.persist();
        });
    }

    public Optional<AliasedVersion> resolve(String alias) {
        return QuarkusTransaction.joiningExisting().call(() -> {
            ModelAliasEntity a = ModelAliasEntity.findById(alias);
            if (a == null) return Optional.empty();
            ModelVersionEntity v = ModelVersionEntity.findById(a.version);
            return Optional.of(new AliasedVersion(alias, v.version, v.runId, v.bundlePrefix, testMetrics(v.runId)));
        });
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

    public List<AliasHistoryEntity> history(String alias) {
        return QuarkusTransaction.joiningExisting().call(() -> AliasHistoryEntity.list("alias = ?1 order by movedAt, id", alias));
    }
}
