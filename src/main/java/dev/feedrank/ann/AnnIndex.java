package dev.feedrank.ann;

import io.github.jbellis.jvector.disk.ByteBufferReader;
import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.ListRandomAccessVectorValues;
import io.github.jbellis.jvector.graph.OnHeapGraphIndex;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * An approximate-nearest-neighbour index of item embeddings for maximum inner product search, on jvector's graph
 * (Vamana / DiskANN-style neighbour selection with {@code alpha}, HNSW-style upper layers with {@code hierarchy}).
 *
 * <p>Item vectors are not unit length in general (LayerNorm outputs; a multi-task click query), so the index uses
 * the usual MIPS-to-cosine reduction: with M the largest item norm, item x is stored as [x / M, sqrt(1 - |x|^2/M^2)]
 * (unit length) and a query q as [q / |q|, 0]; their dot product is q . x / (M |q|), so the order of the stored
 * similarities is the order of the inner products, and the graph searches unit vectors with jvector's
 * DOT_PRODUCT. With {@code train.output-norm=l2} every item has norm 1 and the extra coordinate is 0. Results are
 * re-scored with the exact inner product.
 *
 * <p>The graph is built on one thread so that the same vectors and parameters give the same graph (jvector
 * otherwise builds in parallel on the common pool); the stored file is the graph only (jvector's on-heap graph
 * format), the vectors come from the bundle's {@code item_embeddings.npy}.
 */
public final class AnnIndex {

    /** Maven coordinates of the library, recorded with the index. */
    public static final String LIBRARY = "io.github.jbellis:jvector:4.0.0-rc.5";
    public static final String FORMAT = "jvector OnHeapGraphIndex.save (magic, version, layers, entry node, neighbour lists)";

    private static final VectorTypeSupport VTS = VectorizationProvider.getInstance().getVectorTypeSupport();

    private final float[] items;
    private final int rows;
    private final int d;
    private final float maxNorm;
    private final RandomAccessVectorValues vectors;
    private final ImmutableGraphIndex graph;
    private final AnnSettings settings;

    private AnnIndex(float[] items, int rows, int d, float maxNorm, RandomAccessVectorValues vectors, ImmutableGraphIndex graph,
                     AnnSettings settings) {
        this.items = items;
        this.rows = rows;
        this.d = d;
        this.maxNorm = maxNorm;
        this.vectors = vectors;
        this.graph = graph;
        this.settings = settings;
    }

    /** Builds the index of {@code rows} item vectors of dimension d (row-major). */
    public static AnnIndex build(float[] items, int rows, int d, AnnSettings s) {
        check(items, rows, d);
        float maxNorm = maxNorm(items, rows, d);
        RandomAccessVectorValues ravv = augmented(items, rows, d, maxNorm);
        BuildScoreProvider bsp = BuildScoreProvider.randomAccessScoreProvider(ravv, VectorSimilarityFunction.DOT_PRODUCT);
        ForkJoinPool one = new ForkJoinPool(1);
        try (GraphIndexBuilder builder = new GraphIndexBuilder(bsp, d + 1, s.m(), s.beamWidth(), (float) s.neighborOverflow(),
                (float) s.alpha(), s.hierarchy(), true, one, one)) {
            ImmutableGraphIndex graph = builder.build(ravv);
            return new AnnIndex(items, rows, d, maxNorm, ravv, graph, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            one.shutdown();
        }
    }

    /** The index from its stored graph ({@link #graphBytes()}) and the same item vectors it was built on. */
    public static AnnIndex load(byte[] graphBytes, float[] items, int rows, int d, AnnSettings s) throws IOException {
        check(items, rows, d);
        float maxNorm = maxNorm(items, rows, d);
        OnHeapGraphIndex graph;
        try {
            graph = OnHeapGraphIndex.load(new ByteBufferReader(ByteBuffer.wrap(graphBytes)), d + 1, s.neighborOverflow(), null);
        } catch (RuntimeException e) {
            throw new IOException("not a jvector graph: " + e, e);
        }
        if (graph.size() != rows) {
            throw new IOException("the ANN graph has " + graph.size() + " nodes but there are " + rows + " item embeddings");
        }
        return new AnnIndex(items, rows, d, maxNorm, augmented(items, rows, d, maxNorm), graph, s);
    }

    @SuppressWarnings("deprecation")
    public byte[] graphBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            ((OnHeapGraphIndex) graph).save(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public int size() {
        return rows;
    }

    public int dimension() {
        return d;
    }

    public AnnSettings settings() {
        return settings;
    }

    /** Largest item norm M of the MIPS reduction. */
    public float maxNorm() {
        return maxNorm;
    }

    /** A searcher for one thread (jvector's searcher keeps per-search state). */
    public Searcher searcher() {
        return new Searcher();
    }

    /** Searches the graph; not thread-safe: one per thread. */
    public final class Searcher implements AutoCloseable {
        private final GraphSearcher searcher = new GraphSearcher(graph);

        private Searcher() {
            // jvector's early termination (stop when the scores stop improving) trades recall for speed before the
            // beam is exhausted; the beam width alone decides here, so recall follows the configured parameters
            searcher.usePruning(false);
        }

        /** Item rows of the (approximate) top k by inner product with the query, best first by exact score. */
        public int[] search(float[] query, int k) {
            int want = Math.min(k, rows);
            if (want <= 0) return new int[0];
            VectorFloat<?> q = VTS.createFloatVector(unitQuery(query));
            SearchResult result = searcher.search(DefaultSearchScoreProvider.exact(q, VectorSimilarityFunction.DOT_PRODUCT, vectors),
                    want, Math.max(want, settings.searchBeamWidth()), Float.NEGATIVE_INFINITY, 0f, Bits.ALL);
            SearchResult.NodeScore[] nodes = result.getNodes();
            int[] out = new int[nodes.length];
            for (int i = 0; i < nodes.length; i++) out[i] = nodes[i].node;
            return sortByScore(out, query);
        }

        @Override
        public void close() {
            try {
                searcher.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Exact inner product of the query with item row r. */
    public float score(float[] query, int r) {
        return dot(query, items, r * d, d);
    }

    /** Item rows of the exact top k by inner product (brute force), best first; ties by lower row. */
    public static int[] exactTopK(float[] items, int rows, int d, float[] query, int k) {
        int want = Math.min(k, rows);
        // a min-heap of the best so far, by (score, -row)
        int[] heap = new int[want];
        float[] hs = new float[want];
        int size = 0;
        for (int r = 0; r < rows; r++) {
            float s = dot(query, items, r * d, d);
            if (size < want) {
                heap[size] = r;
                hs[size] = s;
                siftUp(heap, hs, size++);
            } else if (s > hs[0]) {
                heap[0] = r;
                hs[0] = s;
                siftDown(heap, hs, size);
            }
        }
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> hs[a] != hs[b] ? Float.compare(hs[b], hs[a]) : Integer.compare(heap[a], heap[b]));
        int[] out = new int[size];
        for (int i = 0; i < size; i++) out[i] = heap[order[i]];
        return out;
    }

    private int[] sortByScore(int[] rowsFound, float[] query) {
        Integer[] boxed = new Integer[rowsFound.length];
        float[] s = new float[rowsFound.length];
        for (int i = 0; i < rowsFound.length; i++) {
            boxed[i] = i;
            s[i] = score(query, rowsFound[i]);
        }
        Arrays.sort(boxed, (a, b) -> s[a] != s[b] ? Float.compare(s[b], s[a]) : Integer.compare(rowsFound[a], rowsFound[b]));
        int[] out = new int[rowsFound.length];
        for (int i = 0; i < out.length; i++) out[i] = rowsFound[boxed[i]];
        return out;
    }

    private float[] unitQuery(float[] q) {
        if (q.length != d) throw new IllegalArgumentException("query has dimension " + q.length + ", the index " + d);
        double n = 0;
        for (float v : q) n += (double) v * v;
        float norm = (float) Math.sqrt(n);
        float[] out = new float[d + 1];
        if (norm == 0f) return out;
        for (int k = 0; k < d; k++) out[k] = q[k] / norm;
        return out;
    }

    private static RandomAccessVectorValues augmented(float[] items, int rows, int d, float maxNorm) {
        List<VectorFloat<?>> list = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            float[] v = new float[d + 1];
            double n2 = 0;
            for (int k = 0; k < d; k++) {
                v[k] = items[r * d + k] / maxNorm;
                n2 += (double) v[k] * v[k];
            }
            v[d] = (float) Math.sqrt(Math.max(0.0, 1.0 - n2));
            list.add(VTS.createFloatVector(v));
        }
        return new ListRandomAccessVectorValues(list, d + 1);
    }

    private static float maxNorm(float[] items, int rows, int d) {
        double max = 0;
        for (int r = 0; r < rows; r++) {
            double n2 = 0;
            for (int k = 0; k < d; k++) n2 += (double) items[r * d + k] * items[r * d + k];
            max = Math.max(max, n2);
        }
        return max == 0 ? 1f : (float) Math.sqrt(max);
    }

    private static void check(float[] items, int rows, int d) {
        if (d <= 0 || rows < 0 || items.length != (long) rows * d) {
            throw new IllegalArgumentException("item embeddings: " + items.length + " floats are not " + rows + " rows of " + d);
        }
        for (float v : items) {
            if (!Float.isFinite(v)) throw new IllegalArgumentException("item embeddings hold a non-finite value: cannot index them");
        }
    }

    static float dot(float[] q, float[] m, int off, int d) {
        float s = 0f;
        for (int k = 0; k < d; k++) s += q[k] * m[off + k];
        return s;
    }

    private static void siftUp(int[] heap, float[] hs, int i) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!worse(hs, heap, i, p)) break;
            swap(heap, hs, i, p);
            i = p;
        }
    }

    private static void siftDown(int[] heap, float[] hs, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int m = i;
            if (l < size && worse(hs, heap, l, m)) m = l;
            if (r < size && worse(hs, heap, r, m)) m = r;
            if (m == i) return;
            swap(heap, hs, i, m);
            i = m;
        }
    }

    /** a ranks below b: lower score, or the same score and a higher row. */
    private static boolean worse(float[] hs, int[] heap, int a, int b) {
        return hs[a] < hs[b] || (hs[a] == hs[b] && heap[a] > heap[b]);
    }

    private static void swap(int[] heap, float[] hs, int a, int b) {
        int t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
        float f = hs[a];
        hs[a] = hs[b];
        hs[b] = f;
    }
}
