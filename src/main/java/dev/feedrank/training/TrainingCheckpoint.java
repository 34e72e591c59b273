package dev.feedrank.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.ModelSpec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a training needs to continue exactly where it was: the position (the next epoch and batch, the loss
 * summed so far in that epoch), the model's parameters, Adam's moments and update counts, the learning rate and
 * the plateau scheduler, the best epoch with its parameters, the epoch curve, the progress counters, and the
 * {@link Fingerprint} of the settings and data it belongs to.
 *
 * <p>Binary format, version {@value #FORMAT_VERSION} (big-endian, {@link DataOutputStream}):
 * <pre>
 *   8 bytes  magic "FRTRCKPT"
 *   int      format version
 *   int n, n bytes   header: UTF-8 JSON (everything but the tensors; non-finite doubles as strings)
 *   int k, then k blobs: UTF name, int length, bytes
 *            "parameters"       the block's parameter file (Block.saveParameters, as TwoTowerModel.parameters())
 *            "best-parameters"  the same for the best epoch (absent before the first epoch ends)
 *            "adam.mean:NAME" / "adam.variance:NAME"  Adam's moments of parameter NAME (NDArray.encode())
 * </pre>
 *
 * @param epoch          the epoch (1-based) to continue with
 * @param batch          the batch (0-based) of that epoch to continue with; equal to the batch count when all its
 *                       batches are done and only its validation is left
 * @param epochLossSum   sum of (batch loss x batch size) over the batches of {@code epoch} done so far
 * @param epochSeconds   training seconds spent in {@code epoch} so far
 * @param finished       training is over (all epochs or early stop): a resume only returns the best model
 */
public record TrainingCheckpoint(Fingerprint fingerprint, int epoch, int batch, double epochLossSum, double epochSeconds,
                                 float learningRate, ReduceLrOnPlateau.State plateau, int bestEpoch,
                                 double bestValidationAuc, byte[] bestParameters, List<EpochStats> curve,
                                 long batchesDone, long samplesDone, double elapsedSeconds, boolean finished,
                                 boolean stoppedEarly, byte[] parameters, ResumableAdam.State optimizer,
                                 HardNegativeMiner.Mined hardNegatives) {

    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = "FRTRCKPT".getBytes(StandardCharsets.US_ASCII);
    private static final String PARAMETERS = "parameters";
    private static final String BEST_PARAMETERS = "best-parameters";
    private static final String MEAN = "adam.mean:";
    private static final String VARIANCE = "adam.variance:";
    private static final String HARD_NEGATIVES = "hard-negatives";
    private static final ObjectMapper JSON = new ObjectMapper();

    public TrainingCheckpoint {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(plateau, "plateau");
        Objects.requireNonNull(optimizer, "optimizer");
        curve = List.copyOf(curve);
    }

    /**
     * What a checkpoint is only valid for: the settings that shape the trajectory and the data it was trained on.
     * A resume with a different fingerprint is refused instead of silently mixing two trainings.
     */
    public record Fingerprint(long seed, int batchSize, int epochs, int embeddingDim, int idEmbeddingDim, int trainSize,
                              double learningRate, double lrFactor, int lrPatience, int earlyStoppingPatience,
                              double coldStartRate, int userVocabSize, int userDenseDim, int itemVocabSize,
                              int itemDenseDim, String dataContentHash, String technique) {

        public static Fingerprint of(TrainingSettings s, ModelSpec spec, PreparedDataset data) {
            return new Fingerprint(s.seed(), s.batchSize(), s.epochs(), s.embeddingDim(), s.idEmbeddingDim(),
                    Math.toIntExact(data.trainRows()), s.learningRate(), s.lrFactor(), s.lrPatience(), s.earlyStoppingPatience(),
                    s.coldStartRate(), spec.userVocabSize(), spec.userDenseDim(), spec.itemVocabSize(),
                    spec.itemDenseDim(), data.contentHash(), s.technique() + ", " + s.selection() + ", outputNorm=" + s.outputNorm()
                    // only when on, so that checkpoints written before the setting existed (dense) stay resumable
                    + (s.sparseEmbeddingUpdates() ? ", sparse-embedding-updates" : "")
                    // likewise only when streamed: the stream's layout and window decide the order of the batches
                    + (data.streamsTrain() ? ", " + data.trainShards().describe() : ""));
        }

        /** "name: checkpoint X, now Y" for every field that differs. */
        public List<String> differences(Fingerprint now) {
            List<String> out = new ArrayList<>();
            Map<String, Object> a = fields();
            Map<String, Object> b = now.fields();
            a.forEach((k, v) -> {
                if (!Objects.equals(v, b.get(k))) out.add(k + ": checkpoint " + v + ", now " + b.get(k));
            });
            return out;
        }

        private Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seed", seed);
            m.put("batchSize", batchSize);
            m.put("epochs", epochs);
            m.put("embeddingDim", embeddingDim);
            m.put("idEmbeddingDim", idEmbeddingDim);
            m.put("trainSize", trainSize);
            m.put("learningRate", learningRate);
            m.put("lrFactor", lrFactor);
            m.put("lrPatience", lrPatience);
            m.put("earlyStoppingPatience", earlyStoppingPatience);
            m.put("coldStartRate", coldStartRate);
            m.put("userVocabSize", userVocabSize);
            m.put("userDenseDim", userDenseDim);
            m.put("itemVocabSize", itemVocabSize);
            m.put("itemDenseDim", itemDenseDim);
            m.put("dataContentHash", dataContentHash);
            m.put("technique", technique);
            return m;
        }
    }

    /** Refuses, with every difference named, to continue a training whose settings or data differ. */
    public void requireCompatible(Fingerprint now) {
        List<String> diff = fingerprint.differences(now);
        if (!diff.isEmpty()) {
            throw new IncompatibleCheckpointException("the checkpoint belongs to a different training and cannot be resumed with these "
                    + "settings/data (" + String.join("; ", diff) + "); start from scratch or resume with the original settings and data");
        }
    }

    /** A checkpoint that does not fit the training it is asked to continue. */
    public static final class IncompatibleCheckpointException extends IllegalArgumentException {
        public IncompatibleCheckpointException(String message) {
            super(message);
        }
    }

    /** The same checkpoint without Adam's moments and counts (for tests proving that the optimizer state matters). */
    TrainingCheckpoint withoutOptimizerState() {
        return new TrainingCheckpoint(fingerprint, epoch, batch, epochLossSum, epochSeconds, learningRate, plateau, bestEpoch,
                bestValidationAuc, bestParameters, curve, batchesDone, samplesDone, elapsedSeconds, finished, stoppedEarly,
                parameters, ResumableAdam.State.empty(), hardNegatives);
    }

    public byte[] encode() {
        ObjectNode h = JSON.createObjectNode();
        h.put("format", FORMAT_VERSION);
        ObjectNode fp = h.putObject("fingerprint");
        fingerprint.fields().forEach((k, v) -> {
            if (v instanceof Double d) num(fp, k, d);
            else if (v instanceof Integer i) fp.put(k, i);
            else if (v instanceof Long l) fp.put(k, l);
            else fp.put(k, (String) v);
        });
        ObjectNode pos = h.putObject("position");
        pos.put("epoch", epoch);
        pos.put("batch", batch);
        num(pos, "epochLossSum", epochLossSum);
        num(pos, "epochSeconds", epochSeconds);
        num(h, "learningRate", learningRate);
        ObjectNode pl = h.putObject("plateau");
        num(pl, "best", plateau.best());
        pl.put("badEpochs", plateau.badEpochs());
        num(pl, "learningRate", plateau.learningRate());
        ObjectNode best = h.putObject("best");
        best.put("epoch", bestEpoch);
        num(best, "validationAuc", bestValidationAuc);
        ArrayNode c = h.putArray("curve");
        for (EpochStats e : curve) {
            ObjectNode o = c.addObject();
            o.put("epoch", e.epoch());
            num(o, "trainLoss", e.trainLoss());
            num(o, "validationAuc", e.validationAuc());
            num(o, "validationMetric", e.validationMetric());
            num(o, "learningRate", e.learningRate());
            num(o, "seconds", e.seconds());
            num(o, "samplesPerSecond", e.samplesPerSecond());
            o.put("best", e.best());
        }
        ObjectNode pr = h.putObject("progress");
        pr.put("batchesDone", batchesDone);
        pr.put("samplesDone", samplesDone);
        num(pr, "elapsedSeconds", elapsedSeconds);
        h.put("finished", finished);
        h.put("stoppedEarly", stoppedEarly);
        ObjectNode opt = h.putObject("optimizer");
        opt.put("type", "adam");
        opt.put("numUpdate", optimizer.numUpdate());
        ObjectNode counts = opt.putObject("updateCounts");
        optimizer.updateCounts().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> counts.put(e.getKey(), e.getValue()));

        Map<String, byte[]> blobs = new LinkedHashMap<>();
        blobs.put(PARAMETERS, parameters);
        if (bestParameters != null) blobs.put(BEST_PARAMETERS, bestParameters);
        optimizer.means().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> blobs.put(MEAN + e.getKey(), e.getValue()));
        optimizer.variances().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> blobs.put(VARIANCE + e.getKey(), e.getValue()));
        if (hardNegatives != null) blobs.put(HARD_NEGATIVES, encodeMined(hardNegatives));

        try {
            byte[] header = JSON.writeValueAsBytes(h);
            long size = MAGIC.length + 8L + header.length + 4;
            for (Map.Entry<String, byte[]> e : blobs.entrySet()) size += 2 + 3L * e.getKey().length() + 4 + e.getValue().length;
            if (size > Integer.MAX_VALUE - 16) throw new IllegalStateException("checkpoint of " + size + " bytes does not fit a byte array");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) size);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.write(MAGIC);
                out.writeInt(FORMAT_VERSION);
                out.writeInt(header.length);
                out.write(header);
                out.writeInt(blobs.size());
                for (Map.Entry<String, byte[]> e : blobs.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeInt(e.getValue().length);
                    out.write(e.getValue());
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TrainingCheckpoint decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            byte[] magic = new byte[MAGIC.length];
            if (bytes.length < MAGIC.length + 4) throw new IllegalArgumentException("not a feedrank training checkpoint (" + bytes.length + " bytes)");
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new IllegalArgumentException("not a feedrank training checkpoint (wrong magic)");
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("training checkpoint format version " + version + " is not supported (this build reads version "
                        + FORMAT_VERSION + ")");
            }
            JsonNode h = JSON.readTree(readBlock(in, bytes.length));
            int blobCount = in.readInt();
            byte[] parameters = null;
            byte[] bestParameters = null;
            Map<String, byte[]> means = new LinkedHashMap<>();
            Map<String, byte[]> variances = new LinkedHashMap<>();
            HardNegativeMiner.Mined mined = null;
            for (int k = 0; k < blobCount; k++) {
                String name = in.readUTF();
                byte[] blob = readBlock(in, bytes.length);
                if (name.equals(PARAMETERS)) parameters = blob;
                else if (name.equals(BEST_PARAMETERS)) bestParameters = blob;
                else if (name.startsWith(MEAN)) means.put(name.substring(MEAN.length()), blob);
                else if (name.startsWith(VARIANCE)) variances.put(name.substring(VARIANCE.length()), blob);
                else if (name.equals(HARD_NEGATIVES)) mined = decodeMined(blob);
                else throw new IllegalArgumentException("training checkpoint has an unknown part " + name);
            }
            if (in.available() > 0) throw new IllegalArgumentException("training checkpoint has " + in.available() + " trailing bytes");
            if (parameters == null) throw new IllegalArgumentException("training checkpoint has no model parameters");
            if (!means.keySet().equals(variances.keySet())) {
                throw new IllegalArgumentException("training checkpoint has first and second moments for different parameters");
            }

            JsonNode fp = required(h, "fingerprint");
            Fingerprint fingerprint = new Fingerprint(required(fp, "seed").asLong(), integer(fp, "batchSize"), integer(fp, "epochs"),
                    integer(fp, "embeddingDim"), integer(fp, "idEmbeddingDim"), integer(fp, "trainSize"), dbl(fp, "learningRate"),
                    dbl(fp, "lrFactor"), integer(fp, "lrPatience"), integer(fp, "earlyStoppingPatience"), dbl(fp, "coldStartRate"),
                    integer(fp, "userVocabSize"), integer(fp, "userDenseDim"), integer(fp, "itemVocabSize"), integer(fp, "itemDenseDim"),
                    required(fp, "dataContentHash").asText(), fp.hasNonNull("technique") ? fp.get("technique").asText() : "(not recorded)");
            JsonNode pos = required(h, "position");
            JsonNode pl = required(h, "plateau");
            JsonNode best = required(h, "best");
            List<EpochStats> curve = new ArrayList<>();
            for (JsonNode o : required(h, "curve")) {
                curve.add(new EpochStats(integer(o, "epoch"), dbl(o, "trainLoss"), dbl(o, "validationAuc"),
                        o.hasNonNull("validationMetric") ? dbl(o, "validationMetric") : dbl(o, "validationAuc"), dbl(o, "learningRate"),
                        dbl(o, "seconds"), dbl(o, "samplesPerSecond"), required(o, "best").asBoolean()));
            }
            JsonNode pr = required(h, "progress");
            JsonNode opt = required(h, "optimizer");
            if (!"adam".equals(required(opt, "type").asText())) {
                throw new IllegalArgumentException("training checkpoint has optimizer state of type " + opt.get("type").asText() + ", expected adam");
            }
            Map<String, Integer> counts = new LinkedHashMap<>();
            required(opt, "updateCounts").fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asInt()));
            ResumableAdam.State optimizer = new ResumableAdam.State(integer(opt, "numUpdate"), counts, means, variances);
            return new TrainingCheckpoint(fingerprint, integer(pos, "epoch"), integer(pos, "batch"), dbl(pos, "epochLossSum"),
                    dbl(pos, "epochSeconds"), (float) dbl(h, "learningRate"),
                    new ReduceLrOnPlateau.State(dbl(pl, "best"), integer(pl, "badEpochs"), dbl(pl, "learningRate")),
                    integer(best, "epoch"), dbl(best, "validationAuc"), bestParameters, curve, required(pr, "batchesDone").asLong(),
                    required(pr, "samplesDone").asLong(), dbl(pr, "elapsedSeconds"), required(h, "finished").asBoolean(),
                    required(h, "stoppedEarly").asBoolean(), parameters, optimizer, mined);
        } catch (EOFException e) {
            throw new IllegalArgumentException("training checkpoint is truncated", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("training checkpoint is unreadable: " + e.getMessage(), e);
        }
    }

    private static byte[] encodeMined(HardNegativeMiner.Mined mined) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * mined.items().length);
        b.putInt(mined.k());
        for (int v : mined.items()) b.putInt(v);
        return b.array();
    }

    private static HardNegativeMiner.Mined decodeMined(byte[] blob) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(blob);
        if (blob.length < 4 || (blob.length - 4) % 4 != 0) throw new IllegalArgumentException("training checkpoint's hard negatives are corrupt");
        int k = b.getInt();
        int[] items = new int[(blob.length - 4) / 4];
        for (int i = 0; i < items.length; i++) items[i] = b.getInt();
        if (k < 1 || items.length % k != 0) throw new IllegalArgumentException("training checkpoint's hard negatives are corrupt (k " + k + ")");
        return new HardNegativeMiner.Mined(k, items);
    }

    private static byte[] readBlock(DataInputStream in, int total) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > total) throw new IllegalArgumentException("training checkpoint is corrupt (block of " + n + " bytes)");
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static JsonNode required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("training checkpoint header lacks " + field);
        return v;
    }

    private static int integer(JsonNode n, String field) {
        return required(n, field).asInt();
    }

    /** Doubles are written exactly (shortest round-trip form); infinities and NaN as strings. */
    private static void num(ObjectNode n, String field, double v) {
        if (Double.isFinite(v)) n.put(field, v);
        else n.put(field, Double.toString(v));
    }

    private static double dbl(JsonNode n, String field) {
        JsonNode v = required(n, field);
        return v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
    }
}
