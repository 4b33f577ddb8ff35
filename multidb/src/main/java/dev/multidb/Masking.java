package dev.multidb;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;

/** Renders endpoints for logs, events and status without their credentials. */
public final class Masking {

    /**
     * A known scheme and its slashes ({@code redis://}, also a mistyped {@code redis:/}): kept by
     * {@link #maskUrl}. Only known ones, since in {@code user:/pw@host} the "scheme" is a user name and the
     * slash part of the password.
     */
    private static final Pattern SCHEME = Pattern.compile("^(?i)(rediss?(-sentinel|-socket)?|https?):/+");

    private Masking() {
    }

    /**
     * {@code redis://[user:***@]host:port/db}, never the password; {@code ?verifyPeer=MODE} is appended when TLS
     * peer verification is weaker than {@link SslVerifyMode#FULL}, so status and logs show the opt-out.
     *
     * @param uri an endpoint, with or without credentials
     * @return the endpoint without its password (a credentials provider that cannot be read at once
     *         shows as {@code ***@})
     */
    public static String mask(RedisURI uri) {
        boolean sentinel = !uri.getSentinels().isEmpty();
        StringBuilder sb = new StringBuilder(sentinel ? "redis-sentinel://" : uri.isSsl() ? "rediss://" : "redis://");
        RedisCredentials credentials = credentialsOf(uri);
        if (credentials != null && credentials.hasUsername()) {
            sb.append(credentials.getUsername()).append(credentials.hasPassword() ? ":***" : "").append('@');
        } else if (credentials != null && credentials.hasPassword()) {
            sb.append(":***@");
        } else if (credentials == null) {
            sb.append("***@"); // a provider we cannot read without waiting: say only that there are credentials
        }
        if (sentinel) {
            for (int i = 0; i < uri.getSentinels().size(); i++) {
                RedisURI node = uri.getSentinels().get(i);
                sb.append(i == 0 ? "" : ",").append(node.getHost()).append(':').append(node.getPort());
            }
        } else {
            sb.append(uri.getHost()).append(':').append(uri.getPort());
        }
        if (uri.getDatabase() != 0) {
            sb.append('/').append(uri.getDatabase());
        }
        if (sentinel) {
            sb.append('#').append(uri.getSentinelMasterId());
        }
        if (uri.isSsl() && uri.getVerifyMode() != SslVerifyMode.FULL) {
            sb.append("?verifyPeer=").append(uri.getVerifyMode());
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
            return provider.resolveCredentials().block(Duration.ofMillis(10));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The URL with everything before its last {@code @} replaced by {@code ***}, keeping a leading known
     * {@code scheme://}, for error messages. The last {@code @} rather than the end of the
     * authority: a mistyped password may hold {@code /}, {@code ?}, {@code #} or {@code @}, and hiding a path
     * that contains an {@code @} costs less than showing part of a password. Also works without {@code ://}
     * ({@code redis:/u:pw@h}, {@code u:pw@h}), the very inputs that fail to parse.
     *
     * @param url any text, a URL or not
     * @return the text with what may be credentials hidden; unchanged if it has no {@code @}
     */
    public static String maskUrl(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        Matcher scheme = SCHEME.matcher(url);
        String prefix = scheme.find() && scheme.end() <= at ? scheme.group() : "";
        return prefix + "***" + url.substring(at);
    }
}
