package dev.feedrank.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.*;

@Entity
@Table(name = "data_validation_check")
public class DataValidationCheckEntity extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "run_id")
    public Long runId;
    public String name;
    public String scope;
    public String severity;
    public boolean passed;
    public Double observed;
    public String expected;
    public Double previous;
    @Column(name = "previous_run_id")
    public Long previousRunId;
    public String detail;
}
