package dev.feedrank.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.*;

import java.time.Instant;

@Entity
@Table(name = "model_version")
public class ModelVersionEntity extends PanacheEntityBase {
    @Id
    public String version;
    @Column(name = "run_id")
    public Long runId;
    public String status;
    @Column(name = "bundle_prefix")
    public String bundlePrefix;
    @Column(name = "data_hash")
    public String dataHash;
    @Column(name = "gate_passed")
    public boolean gatePassed;
    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "status_changed_at")
    public Instant statusChangedAt;
    @Column(name = "status_changed_by")
    public String statusChangedBy;
    @Column(name = "status_reason")
    public String statusReason;
}
