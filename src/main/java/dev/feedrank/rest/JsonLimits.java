package dev.feedrank.rest;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Limits of JSON the API reads: request bodies are small, flat objects, so nesting deeper than
 * {@value #MAX_NESTING_DEPTH} levels (a "JSON bomb") fails fast as a malformed body (400) instead of costing stack
 * and time; strings are bounded by the HTTP body limit ({@code quarkus.http.limits.max-body-size}).
 */
@Singleton
public class JsonLimits implements ObjectMapperCustomizer {

    static final int MAX_NESTING_DEPTH = 32;

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH).build());
    }
}
