package dev.feedrank.registry;

import dev.feedrank.data.FeatureTable;

import java.util.HashMap;
import java.util.Map;

/**
 * Prepares this run's users and items as inputs for another model version (the champion): each entity gets the
 * champion's ID-embedding row for its external id, or the champion's out-of-vocabulary row 0 when the champion
 * never saw it; dense features are this run's, which requires the same feature columns in the same order.
 */
public final class ChampionInputs {

    /**
     * The remapped tables (rows in this run's order); how many rows use the champion's OOV row, and how many of
     * those are in this run's own vocabulary (entities new since the champion was trained).
     */
    public record Remapped(FeatureTable users, FeatureTable items, int oovUsers, int oovItems, int newUsers, int newItems) {
    }

    /** The champion cannot score this run's data (e.g. a changed feature spec). */
    public static final class IncompatibleException extends Exception {
        public IncompatibleException(String message) {
            super(message);
        }
    }

    private ChampionInputs() {
    }

    public static Remapped remap(BundleLoader.LoadedBundle champion, FeatureTable users, FeatureTable items)
            throws IncompatibleException {
        var spec = champion.manifest().featureSpec();
        requireSameFeatures("user", spec.get("user"), users);
        requireSameFeatures("item", spec.get("item"), items);
        int[] userVocab = new int[users.rows()];
        int oovUsers = lookup(index(champion.users()), users, userVocab);
        int[] itemVocab = new int[items.rows()];
        int oovItems = lookup(index(champion.items()), items, itemVocab);
        return new Remapped(
                new FeatureTable(users.ids(), userVocab, champion.manifest().dimensions().userVocabSize(), users.dense(), users.featureNames()),
                new FeatureTable(items.ids(), itemVocab, champion.manifest().dimensions().itemVocabSize(), items.dense(), items.featureNames()),
                oovUsers, oovItems, newToChampion(users, userVocab), newToChampion(items, itemVocab));
    }

    private static void requireSameFeatures(String tower, java.util.List<String> championNames, FeatureTable current)
            throws IncompatibleException {
        if (championNames == null || !championNames.equals(current.featureNames())) {
            throw new IncompatibleException("the " + tower + " tower's features differ: champion " + championNames
                    + ", this run " + current.featureNames());
        }
    }

    private static int newToChampion(FeatureTable current, int[] championVocab) {
        int n = 0;
        for (int r = 0; r < current.rows(); r++) if (current.vocabIndex()[r] > 0 && championVocab[r] == 0) n++;
        return n;
    }

    private static Map<String, Integer> index(FeatureTable championTable) {
        Map<String, Integer> byId = new HashMap<>(championTable.rows() * 2);
        for (int r = 0; r < championTable.rows(); r++) byId.put(championTable.ids()[r], championTable.vocabIndex()[r]);
        return byId;
    }

    private static int lookup(Map<String, Integer> byId, FeatureTable current, int[] out) {
        int oov = 0;
        for (int r = 0; r < current.rows(); r++) {
            Integer v = byId.get(current.ids()[r]);
            out[r] = v == null ? 0 : v;
            if (out[r] == 0) oov++;
        }
        return oov;
    }
}
