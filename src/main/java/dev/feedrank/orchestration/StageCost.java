package dev.feedrank.orchestration;

/**
 * What one stage attempt consumed, measured by {@link ResourceMeter} (wall time is the attempt's duration, recorded with
 * its end). Every value is null where it could not be measured.
 *
 * @param cpuMs            CPU time of the whole process during the attempt (one run executes per process, so this is
 *                         the run's: stage threads, DJL's native threads, GC and JIT alike)
 * @param peakRssBytes     peak resident set size of the process during the attempt ({@code /proc/self/status} VmRSS,
 *                         sampled); null without {@code /proc}
 * @param peakHeapBytes    peak Java heap in use during the attempt (sampled, and the heap in use before every GC)
 * @param samplesPerSecond training throughput of a train attempt ({@link StageContext#recordThroughput(double)}); null
 *                         for every other stage
 */
public record StageCost(Long cpuMs, Long peakRssBytes, Long peakHeapBytes, Double samplesPerSecond) {

    public static final StageCost NONE = new StageCost(null, null, null, null);

    public StageCost withSamplesPerSecond(Double samplesPerSecond) {
        return new StageCost(cpuMs, peakRssBytes, peakHeapBytes, samplesPerSecond);
    }
}
