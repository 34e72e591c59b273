package dev.feedrank.rest;

import jakarta.enterprise.context.RequestScoped;

/** Placeholder until authentication lands: who is calling. */
@RequestScoped
public class CallerIdentity {
    public String who() {
        return "anonymous";
    }
}
