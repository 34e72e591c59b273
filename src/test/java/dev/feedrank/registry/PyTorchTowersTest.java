package dev.feedrank.registry;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.testing.InMemoryObjectStorage;
import dev.feedrank.training.TinyDatasets;
import dev.feedrank.training.TrainingListener;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TwoTowerTrainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundle's {@code towers.safetensors}: the format byte for byte on a reference file, the PyTorch names of every
 * DJL parameter, and the round trip through Python (PyTorch, and numpy alone) reproducing {@code serving_probe.json}.
 */
class PyTorchTowersTest {

    static final String PYTHON = "/usr/bin/python3";

    @Test
    void writesTheSafetensorsLayoutByteForByte() throws IOException {
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("a", SafeTensors.Tensor.f32(new float[] {1f, -2f, 0.5f, 3f, 0f, 1.5f}, 2, 3));
        t.put("n", SafeTensors.Tensor.i64(new long[] {7L}));
        byte[] file = SafeTensors.write(t, Map.of("format", "pt"));
        String expectedJson = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[24,32]}}";
        int padded = (expectedJson.length() + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(padded, b.getLong(), "u64 little-endian header length, padded to 8");
        assertEquals(expectedJson, new String(file, 8, expectedJson.length(), StandardCharsets.UTF_8));
        for (int i = 8 + expectedJson.length(); i < 8 + padded; i++) assertEquals(' ', file[i]);
        b.position(8 + padded);
        assertEquals(1f, b.getFloat());
        assertEquals(-2f, b.getFloat());
        b.position(8 + padded + 24);
        assertEquals(7L, b.getLong());
        assertEquals(8 + padded + 32, file.length);
        assertArrayEquals(new float[] {1f, -2f, 0.5f, 3f, 0f, 1.5f}, SafeTensors.read(file).get("a").f32());
    }

    @Test
    void namesEveryTowerParameterLikeThePyTorchModule() throws Exception {
        ModelSpec spec = new ModelSpec(11, 3, 7, 2, 4, 8);
        try (TwoTowerModel model = TwoTowerModel.create(spec)) {
            Map<String, SafeTensors.Tensor> t = SafeTensors.read(PyTorchTowers.safetensors(model));
            List<String> names = List.copyOf(t.keySet());
            assertEquals(List.of("user_tower_id_embedding.weight", "user_tower.0.weight", "user_tower.0.bias",
                    "user_tower.2.weight", "user_tower.2.bias", "user_tower.2.running_mean", "user_tower.2.running_var",
                    "user_tower.4.weight", "user_tower.4.bias", "user_tower.6.weight", "user_tower.6.bias",
                    "user_tower.6.running_mean", "user_tower.6.running_var", "user_tower.8.weight", "user_tower.8.bias",
                    "user_tower.9.weight", "user_tower.9.bias"), names.subList(0, 17), "F32 tensors in module order (I64 skipped by read)");
            assertArrayEquals(new long[] {11, 4}, t.get("user_tower_id_embedding.weight").shape());
            assertArrayEquals(new long[] {256, 4 + 3}, t.get("user_tower.0.weight").shape(), "Linear weight is [out, in]");
            assertArrayEquals(new long[] {8, 128}, t.get("item_tower.8.weight").shape());
            // values are the DJL parameters' own
            NDArray table = model.block().userTower().idEmbedding().getArray();
            assertArrayEquals(table.toFloatArray(), t.get("user_tower_id_embedding.weight").f32());
            int params = 0;
            for (Pair<String, Parameter> p : model.block().getParameters()) params++;
            assertEquals(params, t.size(), "every DJL parameter has one PyTorch tensor");
        }
    }

    @Test
    void pythonLoadsTheTowersAndReproducesTheServingProbe(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(python("import numpy"), PYTHON + " has no numpy: the Python round trip is skipped "
                + "(.ci/run installs python3-numpy and python3-torch)");
        boolean torch = python("import torch");
        PreparedDataset data = TinyDatasets.agreement(120, 80, 6_000, 3);
        for (String norm : List.of(ModelSpec.LAYERNORM, ModelSpec.L2)) {
            TrainingSettings s = new TrainingSettings(2, 256, 1e-3, 16, 8, 5, 5, 3, 0.5, 1000, 0.1).withOutputNorm(norm);
            TrainingResult trained = new TwoTowerTrainer().train(data, s, new TrainingListener() { });
            InMemoryObjectStorage storage = new InMemoryObjectStorage();
            Path bundle = Files.createDirectories(dir.resolve(norm));
            try (TwoTowerModel model = trained.model()) {
                new BundleExporter().export(new BundleExporter.Request("v-py", 1L, "test", model, data, Map.of(),
                        Map.of(), Map.of(), Map.of("passed", true)), storage);
            }
            for (String f : List.of(BundleFiles.TOWERS_SAFETENSORS, BundleFiles.PROBE, BundleFiles.USER_IDS, BundleFiles.ITEM_IDS,
                    BundleFiles.USER_FEATURES, BundleFiles.ITEM_FEATURES)) {
                Files.write(bundle.resolve(f), storage.get("models/v-py/" + f));
            }
            if (torch) assertRoundTrip(bundle, "backend torch");
            assertRoundTrip(bundle, "backend numpy", "--numpy");
        }
    }

    private static void assertRoundTrip(Path bundle, String backend, String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON, script().toString(), bundle.toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python did not finish: " + out);
        assertEquals(0, p.exitValue(), () -> "python round trip failed: " + out);
        assertTrue(out.contains(backend) && out.contains("256 probe pairs"), out);
    }

    static Path script() {
        return Path.of("src/test/python/towers_roundtrip.py").toAbsolutePath();
    }

    static boolean python(String code) {
        if (!Files.isExecutable(Path.of(PYTHON))) return false;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", code).redirectErrorStream(true).start();
            read(p.getInputStream());
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
