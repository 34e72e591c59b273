package dev.feedrank.orchestration;

import com.sun.management.GarbageCollectionNotificationInfo;
import org.jboss.logging.Logger;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Measures what a stage attempt costs: {@link #start()} at the attempt's start, {@link Measurement#stop()} at its end.
 * <ul>
 *   <li><b>CPU</b>: the delta of {@code com.sun.management.OperatingSystemMXBean#getProcessCpuTime}, i.e. the CPU time
 *       of the <em>whole process</em> (every thread, DJL's native threads, GC, JIT). That is the run's own CPU because
 *       one run executes per process (the pipeline lease; the API and scheduler threads are idle meanwhile).</li>
 *   <li><b>Peak RSS</b>: {@code VmRSS} of {@code /proc/self/status}, sampled at the start, every {@code interval} on a
 *       daemon thread, and at the end; the maximum. It sees native memory (PyTorch tensors, DuckDB, direct buffers)
 *       that the heap figures miss. Null where {@code /proc} is absent (not Linux). A spike shorter than the interval
 *       between two samples can be missed: a lower bound of the true peak.</li>
 *   <li><b>Peak heap</b>: the heap in use ({@code MemoryMXBean#getHeapMemoryUsage().getUsed()}) sampled with the RSS,
 *       and the heap in use <em>before</em> each garbage collection during the window (GC notifications), the
 *       maximum. Heap use is a sawtooth whose tops are right before a GC, so the GC notifications catch the tops the
 *       sampling misses. Chosen over resetting the memory pools' peak usage ({@code MemoryPoolMXBean#resetPeakUsage})
 *       because that reset is process-global state (it would disturb anyone else reading pool peaks) and the sum of
 *       per-pool peaks, reached at different instants, overstates the heap's peak (eden's peak is its capacity).</li>
 * </ul>
 * Measuring is best effort: a measure that is unavailable is null, and the meter never fails the attempt.
 */
public final class ResourceMeter {

    private static final Logger LOG = Logger.getLogger(ResourceMeter.class);
    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    static final long DEFAULT_INTERVAL_MS = 250;

    private final long intervalMs;
    private final Path procStatus;

    public ResourceMeter() {
        this(DEFAULT_INTERVAL_MS, PROC_STATUS);
    }

    ResourceMeter(long intervalMs, Path procStatus) {
        if (intervalMs <= 0) throw new IllegalArgumentException("interval must be positive: " + intervalMs);
        this.intervalMs = intervalMs;
        this.procStatus = procStatus;
    }

    /** Starts measuring (and its sampler thread); the caller must {@link Measurement#stop()} it. */
    public Measurement start() {
        return new Measurement();
    }

    /** One measured window. */
    public final class Measurement implements AutoCloseable {
        private final Long cpuAtStart = processCpuNanos();
        private final AtomicLong peakRss = new AtomicLong(-1);
        private final AtomicLong peakHeap = new AtomicLong(-1);
        private final AtomicBoolean rssAvailable = new AtomicBoolean(true);
        private final CountDownLatch stopSignal = new CountDownLatch(1);
        private final List<Runnable> unregister = new ArrayList<>();
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final Thread sampler;
        private StageCost result;

        private Measurement() {
            sample();
            listenToGcs();
            sampler = new Thread(this::sampleUntilStopped, "resource-meter");
            sampler.setDaemon(true);
            sampler.start();
        }

        private void sampleUntilStopped() {
            try {
                while (!stopSignal.await(intervalMs, TimeUnit.MILLISECONDS)) sample();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void sample() {
            if (rssAvailable.get()) {
                Long rss = readRss(procStatus);
                if (rss == null) rssAvailable.set(false);
                else peakRss.accumulateAndGet(rss, Math::max);
            }
            try {
                peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
            } catch (RuntimeException e) {
                // not expected; the heap figure is best effort
            }
        }

        /** The heap in use right before every GC of the window: the tops of the heap's sawtooth. */
        private void listenToGcs() {
            try {
                Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
                NotificationListener listener = (Notification n, Object handback) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                    Map<String, MemoryUsage> before = GarbageCollectionNotificationInfo
                            .from((CompositeData) n.getUserData()).getGcInfo().getMemoryUsageBeforeGc();
                    long used = 0;
                    for (var e : before.entrySet()) if (heapPools.contains(e.getKey())) used += e.getValue().getUsed();
                    peakHeap.accumulateAndGet(used, Math::max);
                };
                for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                    if (!(gc instanceof NotificationEmitter emitter)) continue;
                    emitter.addNotificationListener(listener, null, null);
                    unregister.add(() -> {
                        try {
                            emitter.removeNotificationListener(listener);
                        } catch (ListenerNotFoundException ignored) {
                            // already gone
                        }
                    });
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.debugf("GC notifications unavailable (%s); peak heap is sampled only", e.toString());
            }
        }

        /** Ends the window (idempotent): the cost measured, without throughput. */
        public synchronized StageCost stop() {
            if (result != null) return result;
            stopSignal.countDown();
            try {
                sampler.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sample();
            unregister.forEach(Runnable::run);
            Long cpuAtEnd = processCpuNanos();
            Long cpuMs = cpuAtStart == null || cpuAtEnd == null ? null
                    : Math.max(0, TimeUnit.NANOSECONDS.toMillis(cpuAtEnd - cpuAtStart));
            result = new StageCost(cpuMs, peakRss.get() < 0 ? null : peakRss.get(), peakHeap.get() < 0 ? null : peakHeap.get(), null);
            return result;
        }

        @Override
        public void close() {
            stop();
        }
    }

    /** CPU time of this process in nanoseconds, or null where the JVM does not report it. */
    static Long processCpuNanos() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                long t = os.getProcessCpuTime();
                return t < 0 ? null : t;
            }
        } catch (RuntimeException | LinkageError e) {
            // not a HotSpot-like JVM
        }
        return null;
    }

    /** The {@code VmRSS} line of a {@code /proc/<pid>/status} file in bytes, or null (no such file or line). */
    static Long readRss(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (!line.startsWith("VmRSS:")) continue;
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                long value = Long.parseLong(parts[0]);
                String unit = parts.length > 1 ? parts[1] : "kB";
                return switch (unit) {
                    case "kB" -> value * 1024;
                    case "mB", "MB" -> value * 1024 * 1024;
                    default -> value;
                };
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The current RSS of this process in bytes, or null without {@code /proc}. */
    public static Long currentRss() {
        return readRss(PROC_STATUS);
    }
}
