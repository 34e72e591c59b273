package dev.feedrank.rest;

import dev.feedrank.persistence.ModelAliasEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.registry.BundleRecommender;
import dev.feedrank.registry.ModelRegistry;
import dev.feedrank.registry.ModelRegistry.AliasMove;
import dev.feedrank.storage.ObjectStorage;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model registry over REST: versions, aliases, their audited moves (promote, rollback) and archiving. Writes
 * record the caller's token subject as "who".
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {

    public record ModelVersionView(String version, long runId, String status, String bundlePrefix, String dataHash,
                                   boolean gatePassed, Instant createdAt, List<String> aliases, Map<String, Double> metrics,
                                   Instant statusChangedAt, String statusChangedBy, String statusReason) {
    }

    /** An alias: the version it points at (or pointed at, with {@code at}) and its moves up to then, oldest first. */
    public record AliasView(String alias, String version, Instant updatedAt, Instant at, List<AliasMove> history) {
    }

    /** Body of {@code POST /api/models/{version}/promote}: alias defaults to production; reason is required. */
    public record PromoteRequest(String alias, String reason, Boolean force) {
    }

    /** Body of rollback and archive: the reason is required. */
    public record ReasonRequest(String reason) {
    }

    /** Largest k of the recommendations endpoint. */
    public static final int MAX_K = 1000;
    /** Bundles kept loaded for the recommendations endpoint (least recently used dropped). */
    static final int CACHED_BUNDLES = 4;

    private final ModelRegistry registry;
    private final CallerIdentity caller;
    private final ObjectStorage storage;
    private final Map<String, BundleRecommender> recommenders = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, BundleRecommender> eldest) {
            return size() > CACHED_BUNDLES;
        }
    };

    public ModelResource(ModelRegistry registry, CallerIdentity caller, ObjectStorage storage) {
        this.registry = registry;
        this.caller = caller;
        this.storage = storage;
    }

    @GET
    @Path("models")
    public List<ModelVersionView> models(@QueryParam("status") String status) {
        return QuarkusTransaction.requiringNew().call(() -> registry.versions().stream()
                .filter(v -> status == null || status.isBlank() || status.equalsIgnoreCase(v.status))
                .map(ModelResource::view).toList());
    }

    @GET
    @Path("models/{version}")
    public ModelVersionView model(@PathParam("version") String version) {
        return QuarkusTransaction.requiringNew().call(() -> registry.version(version).map(ModelResource::view)
                .orElseThrow(() -> new NotFoundException("no model version " + version)));
    }

    /**
     * The model's top k items for a user (click score, best first) from its bundle: the user's embedding queried
     * against the bundle's ANN index, or with {@code exact=true} against every item embedding (brute force).
     */
    @GET
    @Path("models/{version}/recommendations")
    public BundleRecommender.Recommendations recommendations(@PathParam("version") String version, @QueryParam("user") String user,
                                                             @QueryParam("k") String k, @QueryParam("exact") String exact) {
        if (user == null || user.isEmpty()) throw new BadRequestException("user is required: ?user=<id>&k=10");
        int topK = parseK(k);
        boolean brute = parseBoolean("exact", exact);
        String prefix = QuarkusTransaction.requiringNew().call(() -> registry.version(version).map(v -> v.bundlePrefix)
                .orElseThrow(() -> new NotFoundException("no model version " + version)));
        try {
            return recommender(version, prefix).recommend(user, topK, brute);
        } catch (BundleRecommender.UnknownUserException e) {
            throw new NotFoundException(e.getMessage());
        }
    }

    static int parseK(String k) {
        if (k == null || k.isBlank()) return 10;
        try {
            int v = Integer.parseInt(k.trim());
            if (v >= 1 && v <= MAX_K) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadRequestException("k must be an integer from 1 to " + MAX_K + ", got '" + k + "'");
    }

    private static boolean parseBoolean(String name, String value) {
        if (value == null || value.isBlank()) return false;
        if (value.trim().equalsIgnoreCase("true")) return true;
        if (value.trim().equalsIgnoreCase("false")) return false;
        throw new BadRequestException(name + " must be true or false, got '" + value + "'");
    }

    private BundleRecommender recommender(String version, String prefix) {
        synchronized (recommenders) {
            BundleRecommender r = recommenders.get(version);
            if (r != null) return r;
            try {
                r = BundleRecommender.load(version, prefix, storage);
            } catch (java.io.IOException e) {
                throw new jakarta.ws.rs.InternalServerErrorException("the bundle of model version " + version + " at " + prefix
                        + " could not be loaded: " + e.getMessage(), e);
            }
            recommenders.put(version, r);
            return r;
        }
    }

    @POST
    @Path("models/{version}/promote")
    @Consumes(MediaType.APPLICATION_JSON)
    public AliasMove promote(@PathParam("version") String version, PromoteRequest body) {
        PromoteRequest r = body == null ? new PromoteRequest(null, null, null) : body;
        return registry.promote(version, r.alias(), caller.who(), Reasons.check(r.reason()), Boolean.TRUE.equals(r.force()));
    }

    @POST
    @Path("models/{version}/archive")
    @Consumes(MediaType.APPLICATION_JSON)
    public ModelVersionView archive(@PathParam("version") String version, ReasonRequest body) {
        registry.archive(version, caller.who(), body == null ? null : Reasons.check(body.reason()));
        return model(version);
    }

    /** The alias now, or with {@code ?at=<ISO-8601 instant>} the version that was live at that instant. */
    @GET
    @Path("aliases/{alias}")
    public AliasView alias(@PathParam("alias") String alias, @QueryParam("at") String at) {
        if (at != null && !at.isBlank()) {
            Instant instant;
            try {
                instant = Instant.parse(at.trim());
            } catch (DateTimeParseException e) {
                throw new BadRequestException("at must be an ISO-8601 instant such as 2026-11-27T10:15:30Z, got '" + at + "'");
            }
            AliasMove move = QuarkusTransaction.requiringNew().call(() -> registry.resolveAt(alias, instant))
                    .orElseThrow(() -> new NotFoundException("alias " + alias + " pointed at no model version at " + instant));
            List<AliasMove> upToThen = QuarkusTransaction.requiringNew().call(() -> registry.history(alias)).stream()
                    .filter(m -> !m.at().isAfter(instant)).toList();
            return new AliasView(alias, move.to(), move.at(), instant, upToThen);
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelAliasEntity a = ModelAliasEntity.findById(alias);
            if (a == null) throw new NotFoundException("alias " + alias + " points at no model version yet");
            return new AliasView(a.alias, a.version, a.updatedAt, null, registry.history(alias));
        });
    }

    @GET
    @Path("aliases/{alias}/history")
    public List<AliasMove> history(@PathParam("alias") String alias) {
        List<AliasMove> history = QuarkusTransaction.requiringNew().call(() -> registry.history(alias));
        if (history.isEmpty()) throw new NotFoundException("alias " + alias + " has never pointed at a model version");
        return history;
    }

    @POST
    @Path("aliases/{alias}/rollback")
    @Consumes(MediaType.APPLICATION_JSON)
    public AliasMove rollback(@PathParam("alias") String alias, ReasonRequest body) {
        return registry.rollback(alias, caller.who(), body == null ? null : Reasons.check(body.reason()));
    }

    private static ModelVersionView view(ModelVersionEntity v) {
        List<String> aliases = ModelAliasEntity.<ModelAliasEntity>list("version", v.version).stream().map(a -> a.alias).sorted().toList();
        return new ModelVersionView(v.version, v.runId, v.status, v.bundlePrefix, v.dataHash, v.gatePassed, v.createdAt,
                aliases, ModelRegistry.testMetrics(v.runId), v.statusChangedAt, v.statusChangedBy, v.statusReason);
    }
}
