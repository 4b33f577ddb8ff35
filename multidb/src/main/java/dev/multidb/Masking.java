package dev.multidb;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;

/** Renders endpoints for logs, events and status without their credentials. */
public final class Masking {

    private Masking() {
    }

    /** {@code redis://[user:***@]host:port/db}, never the password. */
    public static String mask(RedisURI uri) {
        StringBuilder sb = new StringBuilder(uri.isSsl() ? "rediss://" : "redis://");
        RedisCredentials credentials = credentialsOf(uri);
        if (credentials != null && credentials.hasUsername()) {
            sb.append(credentials.getUsername()).append(credentials.hasPassword() ? ":***" : "").append('@');
        } else if (credentials != null && credentials.hasPassword()) {
            sb.append(":***@");
        } else if (credentials == null) {
            sb.append("***@"); // a provider we cannot read without waiting: say only that there are credentials
        }
        sb.append(uri.getHost()).append(':').append(uri.getPort());
        if (uri.getDatabase() != 0) {
            sb.append('/').append(uri.getDatabase());
        }
        return sb.toString();
    }

    private static RedisCredentials credentialsOf(RedisURI uri) {
        RedisCredentialsProvider provider = uri.getCredentialsProvider();
        if (provider == null) {
            return RedisCredentials.just(null, (char[]) null);
        }
        if (provider instanceof RedisCredentialsProvider.ImmediateRedisCredentialsProvider immediate) {
            return immediate.resolveCredentialsNow();
        }
        try {
            // URL credentials come as an already-resolved Mono; a remote provider is not waited for.
            return provider.resolveCredentials().block(java.time.Duration.ofMillis(10));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The URL with anything between {@code ://} and {@code @} replaced, for error messages. */
    public static String maskUrl(String url) {
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (scheme >= 0 && at > scheme) {
            return url.substring(0, scheme + 3) + "***" + url.substring(at);
        }
        return url;
    }
}
