package dev.feedrank.rest;

import dev.feedrank.persistence.AliasHistoryEntity;
import dev.feedrank.persistence.ModelAliasEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.registry.ModelRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.Map;

@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {

    public record ModelVersionView(String version, long runId, String status, String bundlePrefix, String dataHash,
                                   boolean gatePassed, Instant createdAt, Map<String, Double> metrics) {
    }

    public record AliasMoveView(String from, String to, Instant at, Long runId, String actor, String reason, boolean automatic) {
    }

    public record AliasView(String alias, String version, Instant updatedAt, List<AliasMoveView> history) {
    }

    private final ModelRegistry registry;

    public ModelResource(ModelRegistry registry) {
        this.registry = registry;
    }

    @GET
    @Path("models")
    public List<ModelVersionView> models() {
        return QuarkusTransaction.requiringNew().call(() -> registry.versions().stream().map(ModelResource::view).toList());
    }

    @GET
    @Path("models/{version}")
    public ModelVersionView model(@PathParam("version") String version) {
        return QuarkusTransaction.requiringNew().call(() -> registry.version(version).map(ModelResource::view)
                .orElseThrow(() -> new NotFoundException("no model version " + version)));
    }

    @GET
    @Path("aliases/{alias}")
    public AliasView alias(@PathParam("alias") String alias) {
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelAliasEntity a = ModelAliasEntity.findById(alias);
            if (a == null) throw new NotFoundException("alias " + alias + " points at no model version yet");
            List<AliasMoveView> history = registry.history(alias).stream().map(ModelResource::move).toList();
            return new AliasView(a.alias, a.version, a.updatedAt, history);
        });
    }

    private static ModelVersionView view(ModelVersionEntity v) {
        return new ModelVersionView(v.version, v.runId, v.status, v.bundlePrefix, v.dataHash, v.gatePassed, v.createdAt,
                ModelRegistry.testMetrics(v.runId));
    }

    private static AliasMoveView move(AliasHistoryEntity h) {
        return new AliasMoveView(h.fromVersion, h.toVersion, h.movedAt, h.runId, h.actor, h.reason, h.automatic);
    }
}
