package dev.feedrank.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.*;

import java.time.Instant;

@Entity
@Table(name = "stage_execution")
public class StageExecutionEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "run_id")
    public Long runId;
    public String stage;
    public int attempt;
    public String status;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;
    @Column(name = "duration_ms")
    public Long durationMs;
    public String error;
    public String outputs;
    public String progress;
    /** The pipeline lease's fencing token this attempt ran under. */
    @Column(name = "fencing_token")
    public Long fencingToken;
    /** Run cost of the attempt (V8): CPU time of the process during it, peak RSS and heap, training throughput. */
    @Column(name = "cpu_ms")
    public Long cpuMs;
    @Column(name = "peak_rss_bytes")
    public Long peakRssBytes;
    @Column(name = "peak_heap_bytes")
    public Long peakHeapBytes;
    @Column(name = "samples_per_second")
    public Double samplesPerSecond;
    /** in-process | process | kubernetes (V9). */
    public String executor;
    /** host:pid of the JVM that executed the attempt. */
    public String worker;
    @Column(name = "worker_pid")
    public Long workerPid;
    /** A remote worker's {@code AttemptResult} as JSON. */
    public String result;
    @Column(name = "job_name")
    public String jobName;
}
