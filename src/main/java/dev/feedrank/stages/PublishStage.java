package dev.feedrank.stages;

import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.registry.ModelRegistry;
import dev.feedrank.serving.EmbeddingPublisher;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;
import java.util.Optional;

/**
 * publish: when the run promoted its model (and production still points at it), its item embeddings go to Redis and
 * the pointer moves to it only once Redis holds it complete ({@link EmbeddingPublisher}). Otherwise Redis is left as
 * it is but for the live version's TTL, which is renewed. With no {@code serving.redis.url} it records one line and
 * succeeds.
 */
@ApplicationScoped
public class PublishStage implements Stage {

    private final EmbeddingPublisher publisher;
    private final ModelRegistry registry;
    private final StageResults results;

    public PublishStage(EmbeddingPublisher publisher, ModelRegistry registry, StageResults results) {
        this.publisher = publisher;
        this.registry = registry;
        this.results = results;
    }

    @Override
    public String name() {
        return "publish";
    }

    @Override
    public int order() {
        return 60;
    }

    @Override
    public void execute(StageContext ctx) throws Exception {
        ExportStage.Exported exported = results.get(ctx, ExportStage.RESULT, ExportStage.Exported.class);
        // the run's outcome again: a resumed run that starts here did not execute export in this process
        ctx.outcome(exported.outcome() != null ? exported.outcome() : exported.promoted() ? "PROMOTED" : "REJECTED",
                exported.version());
        if (!EmbeddingPublisher.enabled(ctx.config())) {
            ctx.progress(EmbeddingPublisher.OFF);
            return;
        }
        Optional<String> production = registry.resolve(ModelRegistry.PRODUCTION).map(ModelRegistry.AliasedVersion::version);
        if (exported.promoted() && production.filter(exported.version()::equals).isPresent()) {
            ctx.checkFence(); // a superseded execution of this run does not move the Redis pointer
            EmbeddingPublisher.Published p = publisher.publish(ctx.config(), exported.version(), exported.bundlePrefix());
            ctx.metric("model", "publish_items", p.items(), "publish", null);
            ctx.metric("model", "publish_seconds", p.seconds(), "publish", null);
            ctx.metric("model", "publish_items_per_second", p.itemsPerSecond(), "publish", null);
            ctx.progress(String.format(Locale.ROOT, "%s %d items%s × %d dims in %.2f s (%.0f/s); Redis now serves %s (was %s)%s",
                    p.reused() ? "Redis already held" : "published", p.items(), p.users() > 0 ? " + " + p.users() + " users" : "",
                    p.dim(), p.seconds(), p.itemsPerSecond(), p.version(), p.previous() == null ? "none" : p.previous(),
                    p.deleted().isEmpty() ? "" : "; deleted old versions " + p.deleted()));
            return;
        }
        String why = exported.promoted() ? "production moved to " + production.orElse("nothing") + " since this run promoted "
                + exported.version() : "model " + exported.version() + " was not promoted";
        ctx.progress(why + "; Redis unchanged: " + publisher.refreshLive(ctx.config()));
    }
}
