package dev.feedrank.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The allow-list of dataset locations: what is inside is accepted, everything else refused. */
class DatasetLocationsTest {

    @TempDir
    Path tmp;

    private DatasetLocations only(String... entries) {
        return DatasetLocations.of(Optional.of(List.of(entries)), false, "/unused", "unused");
    }

    private static void refused(DatasetLocations l, String spec) {
        assertThrows(IllegalArgumentException.class, () -> l.checkBeforeReading(spec), spec);
    }

    @Test
    void defaultsAreTheWorkDirsAndTheBucketsDatasetsFolders() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        DatasetLocations l = DatasetLocations.of(Optional.empty(), false, work.toString(), "b");
        assertEquals(List.of(work.resolve("datasets").toString(), "s3://b/datasets/"),
                DatasetLocations.defaults(work.toString(), "b"));
        l.check("csv:" + work.resolve("datasets/clicks"));        // need not exist yet
        l.check("csv:s3://b/datasets/clicks");
        l.check("csv:s3://b/datasets");                           // the prefix itself, as a folder
        l.check("synthetic");                                     // no location at all
        refused(l, "csv:" + work.resolve("other"));
        refused(l, "csv:" + work.resolve("datasets-evil/x"));
        refused(l, "csv:s3://b/datasets-evil/x");
        refused(l, "csv:s3://b/other/x");
        refused(l, "csv:s3://c/datasets/x");
        refused(l, "csv:s3://b/datasets/../other");
    }

    @Test
    void dotDotSchemesAndControlCharactersAreRefusedEvenInsideARoot() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root/a"));
        DatasetLocations l = only(tmp.resolve("root").toString());
        l.check("csv:" + root);
        refused(l, "csv:" + root + "/..");                        // still inside once normalised, refused anyway
        refused(l, "csv:" + root + "/../../x");
        refused(l, "csv:file:" + root);
        refused(l, "csv:http://localhost/x");
        refused(l, "csv:" + root + "/x\u0000y");
        refused(l, "csv:" + root + "/x\ty");
        refused(l, "unknown:" + root);
    }

    @Test
    void symlinksCountWhereTheyLead() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("interactions.csv"), "user_id,item_id,timestamp\n");
        Files.createSymbolicLink(root.resolve("out"), outside);
        Path folder = Files.createDirectories(root.resolve("folder"));
        Files.createSymbolicLink(folder.resolve("interactions.csv"), outside.resolve("interactions.csv"));
        Path fine = Files.createDirectories(root.resolve("fine"));
        Files.writeString(fine.resolve("real.csv"), "user_id,item_id,timestamp\n");
        Files.createSymbolicLink(fine.resolve("interactions.csv"), fine.resolve("real.csv"));
        Files.createSymbolicLink(fine.resolve("dangling.csv"), tmp.resolve("nowhere"));

        DatasetLocations l = only(root.toString());
        refused(l, "csv:" + root.resolve("out"));
        refused(l, "csv:" + root.resolve("out/interactions.csv"));
        l.check("csv:" + folder);                                 // the folder itself is inside ...
        refused(l, "csv:" + folder);                              // ... but what it holds leads out
        assertThrows(IllegalArgumentException.class, () -> l.checkBeforeReading("csv:" + fine),
                "a dangling link leads nowhere allowed");
        Files.delete(fine.resolve("dangling.csv"));
        l.checkBeforeReading("csv:" + fine);                     // a link that stays inside is fine

        // an allowed root that is itself a symlink: both spellings of a dataset in it are inside
        Path linkedRoot = tmp.resolve("linked-root");
        Files.createSymbolicLink(linkedRoot, root);
        DatasetLocations viaLink = only(linkedRoot.toString());
        viaLink.checkBeforeReading("csv:" + root.resolve("fine"));
        viaLink.checkBeforeReading("csv:" + linkedRoot.resolve("fine"));
    }

    @Test
    void localModeAddsTheCurrentDirectory() {
        String cwd = Path.of("").toAbsolutePath().resolve("some-dataset").toString();
        refused(only(tmp.toString()), "csv:" + cwd);
        DatasetLocations.of(Optional.of(List.of(tmp.toString())), true, "/unused", "unused").check("csv:" + cwd);
        DatasetLocations.of(Optional.of(List.of(tmp.toString())), true, "/unused", "unused").check("csv:some-dataset");
    }
}
