package dev.feedrank.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.*;

import java.time.Instant;

@Entity
@Table(name = "model_alias")
public class ModelAliasEntity extends PanacheEntityBase {
    @Id
    public String alias;
    public String version;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
