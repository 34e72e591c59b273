package dev.feedrank.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.*;

import java.time.Instant;

@Entity
@Table(name = "pipeline_run")
public class PipelineRunEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public String trigger;
    public String status;
    public String dataset;
    @Column(name = "config_snapshot")
    public String configSnapshot;
    public String outcome;
    @Column(name = "model_version")
    public String modelVersion;
    public String error;
    @Column(name = "gate_passed")
    public Boolean gatePassed;
    @Column(name = "gate_summary")
    public String gateSummary;
    @Column(name = "champion_version")
    public String championVersion;
    public String owner;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;
    @Column(name = "heartbeat_at")
    public Instant heartbeatAt;
    public String pipeline;
    /** A stop asked of the run (cancel, replace, shutdown, timeout), seen by its owner's heartbeat. */
    @Column(name = "stop_requested")
    public String stopRequested;
    @Column(name = "stop_requested_by")
    public String stopRequestedBy;
    @Column(name = "resume_count")
    public int resumeCount;
    @Column(name = "cache_hit")
    public Boolean cacheHit;
    /** The model version id this run exports, fixed by its first export attempt. */
    @Column(name = "export_version")
    public String exportVersion;
}
