package dev.feedrank.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LaunchArgsTest {

    @Test
    void findsTheCommandLocalModeAndOverridesWhereverTheyAre() {
        LaunchArgs a = LaunchArgs.scan("--set", "train.epochs=3", "run", "--local", "--dataset", "movielens:/x", "--set=gate.min.auc=0.5", "--json");
        assertEquals("run", a.command());
        assertTrue(a.local());
        assertTrue(a.json());
        assertTrue(a.oneShot());
        assertEquals("movielens:/x", a.dataset());
        assertEquals(Map.of("train.epochs", "3", "gate.min.auc", "0.5"), a.sets());
    }

    @Test
    void noCommandMeansServe() {
        LaunchArgs a = LaunchArgs.scan("--dataset", "synthetic");
        assertEquals("serve", a.command());
        assertFalse(a.oneShot());
        assertFalse(a.local());
    }
}
