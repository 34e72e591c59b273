package dev.feedrank.registry;

import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.testing.InMemoryObjectStorage;
import dev.feedrank.training.TrainingListener;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TwoTowerTrainer;
import dev.feedrank.validation.DataValidator;
import dev.feedrank.validation.Severity;
import dev.feedrank.validation.ValidationReport;
import dev.feedrank.validation.ValidationSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** String user and item ids: a {@code csv:} dataset runs end to end and the bundle's id files round-trip them. */
class StringIdsTest {
    /** Ids a CSV writer has to quote, and ones it must not change. */
    static final List<String> AWKWARD = List.of("a3f9c2e1", "item:123", "x,y", "he said \"hi\"", "\u00fcn\u00ef",
            "007", "7", "' quoted '", "42");

    @TempDir
    Path tmp;

    @Test
    void idFilesRoundTripAnyAcceptedId() throws Exception {
        String[] ids = AWKWARD.toArray(String[]::new);
        int[] vocab = new int[ids.length];
        for (int i = 0; i < ids.length; i++) vocab[i] = i % 3;
        FeatureTable t = new FeatureTable(ids, vocab, 3, new float[ids.length], List.of("f"));
        byte[] csv = BundleExporter.idCsv(t);
        String text = new String(csv, StandardCharsets.UTF_8);
        assertTrue(text.contains("\n2,\"x,y\",2\n"), text);
        assertTrue(text.contains("\n3,\"he said \"\"hi\"\"\",0\n"), text);
        assertTrue(text.contains("\n4,\u00fcn\u00ef,1\n"), text);
        List<IdCsv.Row> rows = IdCsv.read(csv, BundleFiles.ITEM_IDS);
        assertEquals(AWKWARD, rows.stream().map(IdCsv.Row::id).toList());
        assertArrayEquals(vocab, rows.stream().mapToInt(IdCsv.Row::vocabIndex).toArray());
        // CRLF line ends (a file edited on Windows) read the same
        assertEquals(rows, IdCsv.read(text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8), "crlf"));
        assertThrows(java.io.IOException.class, () -> IdCsv.read("row,id,vocab_index\n0,a,b,1\n".getBytes(
                StandardCharsets.UTF_8), BundleFiles.ITEM_IDS));
    }

    /** 30 string-id users x 24 string-id items (the awkward ones among them), an items table keyed the same way. */
    static Path stringIdFolder(Path folder) throws Exception {
        Files.createDirectories(folder);
        List<String> items = new java.util.ArrayList<>(AWKWARD);
        for (int i = items.size(); i < 24; i++) items.add("item:" + (1000 + i));
        StringBuilder sb = new StringBuilder("user_id,item_id,timestamp\n");
        for (int i = 0; i < 1200; i++) { // each user sees 6 of the 24 items (the rest are negatives to sample)
            int u = (i * 7) % 30;
            String user = Integer.toHexString(0xa3f900 + u);
            String item = items.get((u * 5 + (i / 30) % 6) % items.size());
            sb.append(user).append(',').append(csv(item)).append(',').append(1_600_000_000L + 60L * i).append('\n');
        }
        Files.writeString(folder.resolve("interactions.csv"), sb.toString());
        StringBuilder catalog = new StringBuilder("item_id,quality\n");
        for (int i = 0; i < items.size(); i++) catalog.append(csv(items.get(i))).append(',').append(i % 5).append('\n');
        catalog.append("never-shown,1\n");
        Files.writeString(folder.resolve("items.csv"), catalog.toString());
        return folder;
    }

    private static String csv(String v) {
        return v.contains(",") || v.contains("\"") || !v.equals(v.strip())
                ? '"' + v.replace("\"", "\"\"") + '"' : v;
    }

    @Test
    void csvWithStringIdsIsPreparedValidatedTrainedExportedAndReloaded() throws Exception {
        Path folder = stringIdFolder(tmp.resolve("data"));
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + folder),
                new PreparationSettings(0.8, 0.1, 2, "uniform", 42L, 0, 0, 0), tmp.resolve("work"), null);

        // every id as given ("' quoted '" keeps its quotes: only spaces around a cell are trimmed), 007 != 7
        TreeSet<String> expectedItems = new TreeSet<>(AWKWARD);
        for (int i = AWKWARD.size(); i < 24; i++) expectedItems.add("item:" + (1000 + i));
        expectedItems.add("never-shown");
        assertEquals(expectedItems, new TreeSet<>(Arrays.asList(ds.items().ids())));
        assertEquals(30, ds.users().rows());
        // order: canonical integers numerically ("7" before "42"), then the rest by text ("007" is text)
        List<String> itemOrder = Arrays.asList(ds.items().ids());
        assertEquals(List.of("7", "42"), itemOrder.subList(0, 2));
        assertTrue(itemOrder.indexOf("007") < itemOrder.indexOf("a3f9c2e1"), itemOrder.toString());
        List<String> userOrder = Arrays.asList(ds.users().ids());
        List<String> sortedUsers = new java.util.ArrayList<>(userOrder);
        sortedUsers.sort(null);
        assertEquals(sortedUsers, userOrder, "hex user ids in text order");

        ValidationReport report = new DataValidator(new ValidationSettings(true, 10, 10, 50, 0.01, 0.95, 0.5, 0.1,
                0.01, 86_400, Severity.ERROR, Map.of())).validate(ds, null, Instant.now());
        assertTrue(report.passed(), report.summary());
        assertTrue(report.checks().stream().anyMatch(c -> c.name().equals("ids") && c.passed()
                && c.detail().contains("unique valid ids")), report.checks().toString());

        TrainingSettings settings = new TrainingSettings(1, 256, 1e-3, 8, 8, 5L, 5, 3, 0.5, 1000, 0.1);
        TrainingResult trained = new TwoTowerTrainer().train(ds, settings, new TrainingListener() { });
        InMemoryObjectStorage storage = new InMemoryObjectStorage();
        try (var model = trained.model()) {
            new BundleExporter().export(new BundleExporter.Request("v-str", 1L, "test", model, ds, Map.of(),
                    Map.of(), Map.of(), Map.of()), storage);
            try (BundleLoader.LoadedBundle bundle = new BundleLoader().load("models/v-str/", storage)) {
                assertArrayEquals(ds.items().ids(), bundle.items().ids(), "item ids round-trip exactly");
                assertArrayEquals(BundleExporter.seenInTraining(ds.users()).ids(), bundle.users().ids());
                assertArrayEquals(ds.items().vocabIndex(), bundle.items().vocabIndex());
                assertTrue(bundle.maxAbsEmbeddingDifference() < 1e-5);
                // the champion path looks this run's ids up in the reloaded bundle: all known, none OOV by mistake
                ChampionInputs.Remapped remapped = ChampionInputs.remap(bundle, ds.users(), ds.items());
                assertArrayEquals(ds.items().vocabIndex(), remapped.items().vocabIndex());
                assertArrayEquals(ds.users().vocabIndex(), remapped.users().vocabIndex());
            }
        }
    }
}
