package dev.feedrank.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.errors.NonRetryable;

import java.util.Locale;

/**
 * Where training runs ({@code train.device}): {@code auto} (the first GPU when the PyTorch engine sees one, else the
 * CPU), {@code cpu}, or {@code gpu} (the first GPU; none seen fails before anything trains, never retried). The
 * engine sees a GPU only with a CUDA build of libtorch (docs/training.md, "Training on a GPU"); the CPU natives
 * feedrank ships see none.
 */
public final class TrainingDevice {

    public static final String AUTO = "auto";
    public static final String CPU = "cpu";
    public static final String GPU = "gpu";

    /** {@code train.device=gpu} on an engine without a GPU: a setting the process cannot satisfy, not a transient error. */
    public static final class UnavailableException extends IllegalStateException implements NonRetryable {
        public UnavailableException(String message) {
            super(message);
        }
    }

    private TrainingDevice() {
    }

    /** Checks the value without asking the engine (run creation refuses anything but auto, cpu or gpu). */
    public static String parse(String setting) {
        String v = setting == null ? AUTO : setting.trim().toLowerCase(Locale.ROOT);
        if (!v.equals(AUTO) && !v.equals(CPU) && !v.equals(GPU)) {
            throw new IllegalArgumentException("train.device must be auto, cpu or gpu, got '" + setting + "'");
        }
        return v;
    }

    /** The device for {@code setting}, given the engine's GPU count. */
    public static Device resolve(String setting, int gpuCount) {
        return switch (parse(setting)) {
            case CPU -> Device.cpu();
            case GPU -> {
                if (gpuCount < 1) {
                    throw new UnavailableException("train.device=gpu but the PyTorch engine sees no GPU; "
                            + "supply a CUDA build of libtorch through PYTORCH_LIBRARY_PATH on a node with a GPU "
                            + "(docs/training.md, \"Training on a GPU\"), or set train.device=auto or cpu");
                }
                yield Device.gpu(0);
            }
            default -> gpuCount > 0 ? Device.gpu(0) : Device.cpu();
        };
    }

    /** The device for {@code setting} on this process's engine. */
    public static Device resolve(String setting) {
        DjlRuntime.ensureOffline();
        return resolve(setting, Engine.getInstance().getGpuCount());
    }

    /** How a progress line names it: {@code cpu} or {@code gpu(0)}, with the setting when it was auto. */
    public static String describe(String setting, Device device) {
        String name = device.isGpu() ? "gpu(" + device.getDeviceId() + ")" : "cpu";
        return AUTO.equals(parse(setting)) ? name + " (train.device=auto)" : name;
    }
}
