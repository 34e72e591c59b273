package dev.feedrank.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each training technique completes a whole pipeline run through the packaged CLI on synthetic data: every loss,
 * hard negatives, and multi-task (whose per-task metrics reach the gate). The runs share one local folder, so
 * each run after the first is also judged against the previous one's production model.
 */
class TrainingTechniquesCliIT {

    @ParameterizedTest
    @ValueSource(strings = {
            "train.loss=bce",
            "train.loss=weighted-bce;train.pos-weight=3",
            "train.loss=pairwise;train.margin=0.5",
            "train.loss=batch-hard-triplet",
            "train.loss=in-batch-softmax;train.temperature=2",
            "train.loss=bce;train.hard-negatives.enabled=true;train.hard-negatives.start-epoch=2",
            "train.loss=pairwise;train.hard-negatives.enabled=true;train.hard-negatives.mix-ratio=1",
            "train.loss=bce;train.multi-task.enabled=true;gate.min.\"like.auc\"=0.55;gate.min.\"share.auc\"=0.55"})
    void completesAPipelineRun(String settings) throws Exception {
        List<String> args = new ArrayList<>(List.of(CliLocalModeIT.SMALL));
        // gate only on value bounds: these runs check that each technique completes, not that it beats the last one
        // or popularity in 3 epochs on tiny data (docs/training.md compares the techniques' quality)
        args.addAll(List.of("--set", "gate.max-regression.auc=off", "--set", "gate.max-regression.ndcg@10=off",
                "--set", "gate.beat-baseline=false", "--set", "gate.min.auc=0.55"));
        for (String kv : settings.split(";")) args.addAll(List.of("--set", kv));
        args.addAll(List.of("run", "--local", "--json", "--dataset", "synthetic"));
        CliLocalModeIT.Result r = CliLocalModeIT.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r::stderr);
        JsonNode json = new ObjectMapper().readTree(r.stdout());
        assertEquals("SUCCEEDED", json.get("status").asText(), r.stdout());
        assertEquals(7, json.get("stages").size());
        JsonNode training = json.get("training");
        for (String kv : settings.split(";")) {
            if (!kv.startsWith("train.")) continue;
            String key = kv.substring("train.".length(), kv.indexOf('='));
            String expected = kv.substring(kv.indexOf('=') + 1);
            String recorded = training.get(key).asText();
            if (expected.matches("[0-9.]+")) assertEquals(Double.parseDouble(expected), Double.parseDouble(recorded), 0.0, key + " in " + training);
            else assertEquals(expected, recorded, "recorded in the run's config: " + training);
        }
        assertTrue(json.get("metrics").get("auc").asDouble() > 0.55, json.get("metrics").toString());
        assertTrue(json.get("gate").get("passed").asBoolean(), json.get("gate").toString());
        assertTrue(json.get("model").get("promoted").asBoolean(), json.toString());
        if (settings.contains("multi-task")) {
            assertTrue(json.get("metrics").has("like.ndcg@10"), json.get("metrics").toString());
            List<String> gated = new ArrayList<>();
            json.get("gate").get("checks").forEach(c -> gated.add(c.get("metric").asText()));
            assertTrue(gated.containsAll(List.of("like.auc", "share.auc")), "per-task gate checks: " + gated);
            assertTrue(json.get("model").get("artifacts").toString().contains("heads.json"), json.get("model").toString());
        }
    }
}
