package dev.feedrank.evaluation;

import java.util.BitSet;

/**
 * Partial selection of the highest scores: a bounded binary min-heap of item indices, {@code O(n log k)} time and a
 * single {@code int[min(k, n)]} allocation (the heap is heap-sorted in place and returned).
 */
public final class TopK {

    private static final int[] EMPTY = new int[0];

    private TopK() {
    }

    /** {@link #topK(float[], int, BitSet)} without exclusions. */
    public static int[] topK(float[] scores, int k) {
        return topK(scores, k, null);
    }

    /**
     * Indices of the {@code k} highest scores whose index is not set in {@code excluded}, best first; equal scores
     * are ordered by lower index first ({@code -0.0f} and {@code 0.0f} are equal). Returns fewer than {@code k}
     * indices when fewer candidates remain.
     *
     * @param scores   one score per item; NaN is rejected (only for candidates that are scanned)
     * @param k        number wanted, {@code >= 0}
     * @param excluded items never returned (e.g. already seen in training); {@code null} = none; bits at or
     *                 beyond {@code scores.length} are ignored
     * @throws IllegalArgumentException if {@code k < 0} or a candidate score is NaN
     */
    public static int[] topK(float[] scores, int k, BitSet excluded) {
        if (scores == null) {
            throw new IllegalArgumentException("scores must not be null");
        }
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0: " + k);
        }
        int n = scores.length;
        int capacity = Math.min(k, n);
        if (capacity == 0) {
            return EMPTY;
        }
        // Min-heap on "quality": heap[0] is the worst kept item (lowest score; among equal scores the highest index).
        int[] heap = new int[capacity];
        int size = 0;
        for (int i = nextCandidate(excluded, 0); i < n; i = nextCandidate(excluded, i + 1)) {
            float s = scores[i];
            if (s != s) {
                throw new IllegalArgumentException("scores[" + i + "] is NaN");
            }
            if (size < capacity) {
                siftUp(heap, size++, i, scores);
            } else if (s > scores[heap[0]]) {
                // indices are scanned in increasing order, so an equal score never beats the root (its index is lower)
                siftDown(heap, 0, i, size, scores);
            }
        }
        // In-place heap sort: repeatedly move the worst to the end, which leaves the array best first.
        for (int end = size - 1; end > 0; end--) {
            int worst = heap[0];
            siftDown(heap, 0, heap[end], end, scores);
            heap[end] = worst;
        }
        if (size < capacity) {
            int[] out = new int[size];
            System.arraycopy(heap, 0, out, 0, size);
            return out;
        }
        return heap;
    }

    private static int nextCandidate(BitSet excluded, int from) {
        return excluded == null ? from : excluded.nextClearBit(from);
    }

    /** True when item a ranks below item b. */
    private static boolean worse(int a, int b, float[] scores) {
        float sa = scores[a];
        float sb = scores[b];
        return sa < sb || (sa == sb && a > b);
    }

    private static void siftUp(int[] heap, int pos, int item, float[] scores) {
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            if (!worse(item, heap[parent], scores)) {
                break;
            }
            heap[pos] = heap[parent];
            pos = parent;
        }
        heap[pos] = item;
    }

    private static void siftDown(int[] heap, int pos, int item, int size, float[] scores) {
        int half = size >>> 1;
        while (pos < half) {
            int child = 2 * pos + 1;
            int right = child + 1;
            if (right < size && worse(heap[right], heap[child], scores)) {
                child = right;
            }
            if (!worse(heap[child], item, scores)) {
                break;
            }
            heap[pos] = heap[child];
            pos = child;
        }
        heap[pos] = item;
    }
}
