import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Image build helper, not part of the application: run once in the builder stage of
 * {@code Dockerfile.jvm} with Java's single-file source launcher, against the application's own
 * {@code lib/main} jars:
 *
 * <pre>DJL_CACHE_DIR=/opt/djl DJL_OFFLINE=true java -cp 'lib/main/*' DjlExtract.java</pre>
 *
 * <p>Starting the PyTorch engine makes DJL extract the natives bundled in the
 * {@code pytorch-native-cpu} jar (libtorch, libtorch_cpu, libc10, libgomp) and the JNI bridge from
 * the {@code pytorch-jni} jar (as {@code <djl-version>-libdjl_torch.so}) into
 * {@code $DJL_CACHE_DIR/pytorch/<torch-version>-<build>-cpu-linux-x86_64/}, exactly in the layout
 * DJL later looks for. A one-tensor operation proves the libraries really load. Nothing is
 * downloaded: the jars carry everything and DJL_OFFLINE / ai.djl.offline forbid the network.
 */
public class DjlExtract {

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray ones = manager.ones(new Shape(2, 3));
            float sum = ones.sum().getFloat();
            if (sum != 6f) {
                throw new IllegalStateException("PyTorch smoke test failed: sum=" + sum);
            }
        }
        System.out.println("DJL " + engine.getEngineName() + " " + engine.getVersion()
                + " extracted and loaded");
    }
}
