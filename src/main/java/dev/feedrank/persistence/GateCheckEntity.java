package dev.feedrank.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.*;

@Entity
@Table(name = "gate_check")
public class GateCheckEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "run_id")
    public Long runId;
    public String metric;
    public String op;
    public Double threshold;
    @Column(name = "candidate_value")
    public Double candidateValue;
    @Column(name = "champion_value")
    public Double championValue;
    @Column(name = "baseline_value")
    public Double baselineValue;
    public String direction;
    public String kind;
    public boolean passed;
    public String detail;
}
