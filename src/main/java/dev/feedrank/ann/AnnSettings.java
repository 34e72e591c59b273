package dev.feedrank.ann;

import dev.feedrank.config.FeedrankConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parameters of the ANN index ({@code ann.*}): graph degree {@code m}, construction beam width, search beam width
 * (raised to k when k is larger), jvector's neighbour overflow and diversity {@code alpha}, whether the graph has
 * HNSW-style upper layers, and how many test users the recall is measured on (a seeded sample when there are more).
 */
public record AnnSettings(boolean enabled, int m, int beamWidth, int searchBeamWidth, double neighborOverflow,
                          double alpha, boolean hierarchy, int recallQueries) {

    public static final AnnSettings DEFAULT = new AnnSettings(true, 32, 100, 200, 1.2, 1.0, true, 2000);

    public AnnSettings {
        if (m < 2) throw new IllegalArgumentException("ann.m must be at least 2, got " + m);
        if (beamWidth < 1) throw new IllegalArgumentException("ann.beam-width must be at least 1, got " + beamWidth);
        if (searchBeamWidth < 1) throw new IllegalArgumentException("ann.search-beam-width must be at least 1, got " + searchBeamWidth);
        if (!(neighborOverflow >= 1.0)) throw new IllegalArgumentException("ann.neighbor-overflow must be at least 1.0, got " + neighborOverflow);
        if (!(alpha >= 1.0)) throw new IllegalArgumentException("ann.alpha must be at least 1.0, got " + alpha);
        if (recallQueries < 1) throw new IllegalArgumentException("ann.recall-queries must be at least 1, got " + recallQueries);
    }

    public static AnnSettings from(FeedrankConfig.Ann a) {
        return new AnnSettings(a.enabled(), a.m(), a.beamWidth(), a.searchBeamWidth(), a.neighborOverflow(), a.alpha(),
                a.hierarchy(), a.recallQueries());
    }

    /** The parameters as stored in the bundle ({@code ann_index.json}, manifest). */
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("m", m);
        p.put("beamWidth", beamWidth);
        p.put("searchBeamWidth", searchBeamWidth);
        p.put("neighborOverflow", neighborOverflow);
        p.put("alpha", alpha);
        p.put("hierarchy", hierarchy);
        return p;
    }

    /** Settings from a bundle's stored parameters (the search beam width can be changed by the caller). */
    public static AnnSettings fromParameters(Map<String, Object> p) {
        return new AnnSettings(true, num(p, "m").intValue(), num(p, "beamWidth").intValue(), num(p, "searchBeamWidth").intValue(),
                num(p, "neighborOverflow").doubleValue(), num(p, "alpha").doubleValue(), Boolean.TRUE.equals(p.get("hierarchy")),
                DEFAULT.recallQueries());
    }

    private static Number num(Map<String, Object> p, String key) {
        Object v = p.get(key);
        if (!(v instanceof Number n)) throw new IllegalArgumentException("ANN parameters have no number " + key + ": " + p);
        return n;
    }
}
