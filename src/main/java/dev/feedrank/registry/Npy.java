package dev.feedrank.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** NumPy {@code .npy} (format 1.0): 2-D float32 matrices read and written, 1-D float32/int64 written. */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\((\\d+),\\s*(\\d+)\\)");

    private Npy() {
    }

    public record Matrix(int rows, int cols, float[] data) {
    }

    public static byte[] write(float[] data, int rows, int cols) {
        if ((long) rows * cols != data.length) throw new IllegalArgumentException("shape " + rows + "x" + cols + " != " + data.length);
        ByteBuffer body = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(data);
        return encode("<f4", "(" + rows + ", " + cols + ")", body.array());
    }

    /** A 1-D float32 array. */
    public static byte[] write(float[] data) {
        ByteBuffer body = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(data);
        return encode("<f4", "(" + data.length + ",)", body.array());
    }

    /** A 1-D int64 array. */
    public static byte[] writeInt64(int[] data) {
        ByteBuffer body = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : data) body.putLong(v);
        return encode("<i8", "(" + data.length + ",)", body.array());
    }

    private static byte[] encode(String descr, String shape, byte[] body) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(unpadded + pad + body.length);
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write((header.length() >> 8) & 0xff);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    public static Matrix read(byte[] bytes) throws IOException {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes.length < 10 || bytes[i] != MAGIC[i]) throw new IOException("not an .npy file");
        }
        int major = bytes[6];
        int headerLen;
        int offset;
        if (major == 1) {
            headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
            offset = 10;
        } else {
            headerLen = ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            offset = 12;
        }
        String header = new String(bytes, offset, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
            throw new IOException("expected a C-order little-endian float32 array, header: " + header.trim());
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) throw new IOException("expected a 2-D shape, header: " + header.trim());
        int rows = Integer.parseInt(m.group(1));
        int cols = Integer.parseInt(m.group(2));
        float[] data = new float[rows * cols];
        ByteBuffer.wrap(bytes, offset + headerLen, data.length * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return new Matrix(rows, cols, data);
    }
}
