package dev.feedrank.stages;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.storage.ObjectStorage;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Small stage results (the evaluation, the gate decision) handed to later stages: in memory within a process, and
 * as a JSON artifact {@code runs/<id>/<name>.json} so a resumed run can continue after them in another process.
 */
@ApplicationScoped
public class StageResults {

    private final ObjectStorage storage;
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public StageResults(ObjectStorage storage) {
        this.storage = storage;
    }

    public <T> void put(StageContext ctx, String name, Class<T> type, T value) throws Exception {
        String key = "runs/" + ctx.runId() + "/" + name + ".json";
        ctx.checkFence();
        storage.put(key, json.writeValueAsBytes(value), "application/json");
        ctx.artifact(name, key);
        ctx.share(type, value);
    }

    public <T> T get(StageContext ctx, String name, Class<T> type) throws Exception {
        var inMemory = ctx.shared(type);
        if (inMemory.isPresent()) return inMemory.get();
        String key = ctx.artifacts().get(name);
        if (key == null) throw new IllegalStateException("run " + ctx.runId() + " has no " + name + " result to continue from");
        T value = json.readValue(storage.get(key), type);
        ctx.share(type, value);
        return value;
    }
}
