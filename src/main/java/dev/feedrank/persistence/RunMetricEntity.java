package dev.feedrank.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.*;

@Entity
@Table(name = "run_metric")
public class RunMetricEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "run_id")
    public Long runId;
    public String stage;
    public String subject;
    public String name;
    public double value;
    public String split;
    public Integer epoch;
    /** 95% bootstrap interval over users (ranking metrics of the evaluate stage), else null. */
    @Column(name = "ci_low")
    public Double ciLow;
    @Column(name = "ci_high")
    public Double ciHigh;
}
