package dev.feedrank.orchestration;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.jboss.logging.Logger;

/**
 * Hands the C heap's free memory back to the operating system between in-process stage attempts ({@code glibc}'s
 * {@code malloc_trim(0)}, through JNA).
 * <p>
 * Why: the stages of one in-process run share a JVM, and PyTorch's tensors (train, evaluate) are allocated through
 * {@code malloc}. Once freed, glibc keeps most of that memory mapped for reuse (its mmap threshold grows after large
 * frees, so large tensors end up in arenas that are only trimmed at their top), so evaluate started on top of what
 * train had left: at 10M impressions the trim before evaluate returned 448 MB of 3,781 (bench/README.md). DuckDB
 * (prepare-data) uses its own allocator; trimming after it returns little. Nothing changes for a remote executor (each
 * attempt is a fresh process).
 * <p>
 * Best effort: where there is no glibc (musl, macOS) or JNA cannot load it, {@link #trim()} does nothing and says so
 * once at debug level.
 */
public final class NativeHeapTrim {

    private static final Logger LOG = Logger.getLogger(NativeHeapTrim.class);
    private static final Function MALLOC_TRIM = lookup();

    private NativeHeapTrim() {
    }

    private static Function lookup() {
        try {
            return NativeLibrary.getInstance("c").getFunction("malloc_trim");
        } catch (Throwable e) { // UnsatisfiedLinkError, or no JNA dispatch for this platform
            LOG.debugf("malloc_trim not available (%s): native heap not trimmed between stages", e.toString());
            return null;
        }
    }

    /** Whether this platform has {@code malloc_trim}. */
    public static boolean available() {
        return MALLOC_TRIM != null;
    }

    /** Returns the C heap's free pages to the OS; true when some memory was released. */
    public static boolean trim() {
        if (MALLOC_TRIM == null) return false;
        try {
            return MALLOC_TRIM.invokeInt(new Object[] {0}) == 1;
        } catch (Throwable e) {
            LOG.debugf("malloc_trim failed: %s", e.toString());
            return false;
        }
    }
}
