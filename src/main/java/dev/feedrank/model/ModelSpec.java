package dev.feedrank.model;

/**
 * Shape of a two-tower model: for each tower the ID-embedding vocabulary (including the OOV row 0) and the width
 * of its dense features; the ID-embedding width and the output embedding dimension d.
 */
public record ModelSpec(int userVocabSize, int userDenseDim, int itemVocabSize, int itemDenseDim,
                        int idEmbeddingDim, int embeddingDim) {
}
