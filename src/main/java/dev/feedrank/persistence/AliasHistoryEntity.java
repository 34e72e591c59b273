package dev.feedrank.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.*;

import java.time.Instant;

@Entity
@Table(name = "alias_history")
public class AliasHistoryEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public String alias;
    @Column(name = "from_version")
    public String fromVersion;
    @Column(name = "to_version")
    public String toVersion;
    @Column(name = "moved_at")
    public Instant movedAt;
    @Column(name = "run_id")
    public Long runId;
    public String actor;
    public String reason;
    public boolean automatic;
    /** promote or rollback */
    public String action;
    /** a rejected or archived version promoted with force */
    public boolean forced;
}
