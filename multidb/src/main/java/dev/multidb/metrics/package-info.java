/**
 * Optional Micrometer metrics for a {@link dev.multidb.MultiDbClient}: see
 * {@link dev.multidb.metrics.MultiDbMetrics}.
 *
 * <p>Off by default. Micrometer ({@code io.micrometer:micrometer-core}) is an optional dependency
 * of the library: only the classes of this package refer to it, and they are loaded only when the
 * application calls {@link dev.multidb.metrics.MultiDbMetrics#bind}. Without Micrometer on the
 * class path the rest of the library loads and works as usual.
 */
package dev.multidb.metrics;
