package dev.multidb.health;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Builds the {@link SSLContext} of a {@link LagAwareHealthCheck} from PEM files, with the JDK alone (no
 * Bouncy Castle): certificates in any PEM/DER form the JDK reads, private keys as unencrypted PKCS#8
 * ({@code -----BEGIN PRIVATE KEY-----}).
 */
final class PemTls {

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA");

    private PemTls() {
    }

    /**
     * The context for the given options. Fails with an {@link IllegalArgumentException} naming the option when
     * a file cannot be read or parsed.
     */
    static SSLContext context(boolean verifyTls, Path caFile, Path clientCertificate, Path clientKey) {
        try {
            TrustManager[] trust = verifyTls ? trustManagers(caFile) : new TrustManager[] {new TrustAll()};
            KeyManager[] keys = clientCertificate == null ? null : keyManagers(clientCertificate, clientKey);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** {@code null} (the JDK's default trust store) without a CA file; else only the CA file's certificates. */
    private static TrustManager[] trustManagers(Path caFile) throws GeneralSecurityException {
        if (caFile == null) {
            return null;
        }
        List<? extends Certificate> cas = certificates("caFile", caFile);
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < cas.size(); i++) {
            store.setCertificateEntry("ca-" + i, cas.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    private static KeyManager[] keyManagers(Path certificateFile, Path keyFile) throws GeneralSecurityException {
        List<? extends Certificate> chain = certificates("clientCertificate", certificateFile);
        PrivateKey key = privateKey(keyFile);
        // An in-memory key store only hands the key to the KeyManagerFactory; its password protects nothing.
        char[] password = "multidb".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("clientKey " + keyFile + " does not fit clientCertificate "
                    + certificateFile + ": " + e.getMessage(), e);
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory.getKeyManagers();
    }

    private static List<? extends Certificate> certificates(String option, Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            List<? extends Certificate> certs = List.copyOf(
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes)));
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(option + " " + file + " holds no certificate");
            }
            return certs;
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + " cannot be read: " + e, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(option + " " + file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("clientKey " + file + " cannot be read: " + e, e);
        }
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            String hint = pem.contains("ENCRYPTED PRIVATE KEY") ? "an encrypted key is not supported"
                    : pem.contains("RSA PRIVATE KEY") || pem.contains("EC PRIVATE KEY") ? "it is PKCS#1/SEC1, not PKCS#8"
                    : "no '-----BEGIN PRIVATE KEY-----' block";
            throw new IllegalArgumentException("clientKey " + file + " must be an unencrypted PKCS#8 PEM key (" + hint
                    + "); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException wrongAlgorithm) {
                // PKCS#8 names its algorithm by OID; trying the few the JDK supports is simpler than parsing it
            }
        }
        throw new IllegalArgumentException("clientKey " + file + " is not an RSA, EC, EdDSA or DSA PKCS#8 key");
    }

    /**
     * Accepts any server certificate and, being an {@link X509ExtendedTrustManager}, also skips the host name
     * check (the JDK only checks the name inside such a manager): that is what {@code verifyTls(false)} means.
     */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
