package dev.feedrank.registry;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A writer (and reader, for checks) of the safetensors format: 8 bytes little-endian header length N, N bytes of
 * JSON header ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}},
 * padded with spaces to a multiple of 8), then the tensors' raw little-endian bytes, offsets relative to the end of
 * the header. Tensors are F32 except scalars/arrays given as longs (I64: BatchNorm's {@code num_batches_tracked}).
 */
public final class SafeTensors {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor: F32 data or I64 data (exactly one non-null), and its shape. */
    public record Tensor(long[] shape, float[] f32, long[] i64) {
        public Tensor {
            long n = 1;
            for (long s : shape) n *= s;
            int len = f32 != null ? f32.length : i64.length;
            if ((f32 == null) == (i64 == null) || n != len) {
                throw new IllegalArgumentException("tensor of shape " + java.util.Arrays.toString(shape) + " holds " + len + " values");
            }
        }

        public static Tensor f32(float[] data, long... shape) {
            return new Tensor(shape, data, null);
        }

        public static Tensor i64(long[] data, long... shape) {
            return new Tensor(shape, null, data);
        }

        String dtype() {
            return f32 != null ? "F32" : "I64";
        }

        int byteSize() {
            return f32 != null ? 4 * f32.length : 8 * i64.length;
        }
    }

    private SafeTensors() {
    }

    /** The file, tensors in the given order. */
    public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", metadata);
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("'__metadata__' is not a tensor name");
            Tensor t = e.getValue();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype());
            entry.put("shape", t.shape());
            entry.put("data_offsets", List.of(offset, offset + t.byteSize()));
            header.put(e.getKey(), entry);
            offset += t.byteSize();
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) out.put((byte) ' ');
        for (Tensor t : tensors.values()) {
            if (t.f32() != null) for (float v : t.f32()) out.putFloat(v);
            else for (long v : t.i64()) out.putLong(v);
        }
        return out.array();
    }

    /** Reads the F32 tensors of a file written by {@link #write} (I64 tensors are skipped), by name. */
    @SuppressWarnings("unchecked")
    public static Map<String, Tensor> read(byte[] file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long n = in.getLong();
        if (n < 2 || 8 + n > file.length) throw new IOException("not a safetensors file: header length " + n + " of " + file.length + " bytes");
        Map<String, Object> header = JSON.readValue(new String(file, 8, (int) n, StandardCharsets.UTF_8).trim(), Map.class);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) continue;
            Map<String, Object> entry = (Map<String, Object>) e.getValue();
            List<Number> shapeList = (List<Number>) entry.get("shape");
            List<Number> offsets = (List<Number>) entry.get("data_offsets");
            long[] shape = shapeList.stream().mapToLong(Number::longValue).toArray();
            int begin = Math.toIntExact(8 + n + offsets.get(0).longValue());
            int end = Math.toIntExact(8 + n + offsets.get(1).longValue());
            if ("F32".equals(entry.get("dtype"))) {
                float[] data = new float[(end - begin) / 4];
                ByteBuffer.wrap(file, begin, end - begin).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
                out.put(e.getKey(), Tensor.f32(data, shape));
            }
        }
        return out;
    }
}
