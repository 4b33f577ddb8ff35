package dev.multidb.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority and the certificates it signed, as PEM files in a temp directory: what
 * {@code redis-server --tls-*} and Lettuce's {@code SslOptions} read. Made by the running JDK's {@code keytool}
 * (its certificate generator is not an exported API), so no other tool is needed.
 *
 * <p>{@link #create()} issues a server certificate for {@code 127.0.0.1} and {@code localhost} and a client
 * certificate (for mutual TLS); {@link #issueServer(String, String...)} issues more, e.g. one for a host name the
 * client does not connect to, to prove host name verification.
 */
public final class TestCertificates implements AutoCloseable {

    private static final char[] STORE_PASSWORD = "multidb-test".toCharArray();
    private static final String[] LOCAL_NAMES = {"ip:127.0.0.1", "dns:localhost"};

    private final Path dir;
    private final Path caFile;
    private final Certificate caCertificate;
    private final Issued server;
    private final Issued client;

    private TestCertificates(Path dir) throws IOException, GeneralSecurityException {
        this.dir = dir;
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "7",
                "-dname", "CN=multidb test CA", "-ext", "bc:c", "-storetype", "PKCS12", "-keystore", store("ca").toString(),
                "-storepass", new String(STORE_PASSWORD), "-keypass", new String(STORE_PASSWORD));
        this.caFile = dir.resolve("ca.pem");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store("ca").toString(), "-storepass",
                new String(STORE_PASSWORD), "-file", caFile.toString());
        this.caCertificate = readCertificate(caFile);
        this.server = issue("server", "serverAuth", LOCAL_NAMES);
        this.client = issue("client", "clientAuth");
    }

    /** A new CA with a server certificate for {@code 127.0.0.1}/{@code localhost} and a client certificate. */
    public static TestCertificates create() {
        try {
            return new TestCertificates(Files.createTempDirectory("multidb-tls-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create test certificates", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the test certificates keytool made", e);
        }
    }

    /** PEM of the CA certificate: what clients and servers trust. */
    public Path caFile() {
        return caFile;
    }

    /** The server certificate for {@code 127.0.0.1} and {@code localhost}. */
    public Issued server() {
        return server;
    }

    /** A client certificate the CA signed (for mutual TLS). */
    public Issued client() {
        return client;
    }

    /**
     * Issues another server certificate, signed by this CA, valid for {@code names} in keytool's SAN syntax
     * ({@code "dns:db.example.invalid"}, {@code "ip:10.0.0.1"}).
     */
    public Issued issueServer(String alias, String... names) {
        try {
            return issue(alias, "serverAuth", names);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot issue certificate " + alias, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read certificate " + alias, e);
        }
    }

    /**
     * An {@link SSLContext} that trusts this CA and presents {@link #client()}: for the test kit's own
     * connections to a TLS server.
     */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCertificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.key, STORE_PASSWORD, new Certificate[] {client.certificate, caCertificate});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, STORE_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the test kit's TLS context", e);
        }
    }

    /** Deletes the files. Idempotent. */
    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: it is a temp dir
        }
    }

    /** A certificate this CA signed, with its key: PEM files for redis-server and Lettuce. */
    public static final class Issued {
        private final Path certificateFile;
        private final Path keyFile;
        private final Certificate certificate;
        private final PrivateKey key;

        private Issued(Path certificateFile, Path keyFile, Certificate certificate, PrivateKey key) {
            this.certificateFile = certificateFile;
            this.keyFile = keyFile;
            this.certificate = certificate;
            this.key = key;
        }

        /** PEM of the certificate. */
        public Path certificateFile() {
            return certificateFile;
        }

        /** Unencrypted PKCS#8 PEM of its private key. */
        public Path keyFile() {
            return keyFile;
        }
    }

    private Issued issue(String alias, String extendedUsage, String... names) throws IOException, GeneralSecurityException {
        String pass = new String(STORE_PASSWORD);
        Path store = store(alias);
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "7",
                "-dname", "CN=" + (names.length > 0 ? names[0].substring(names[0].indexOf(':') + 1) : "multidb test " + alias),
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", pass, "-keypass", pass);
        Path request = dir.resolve(alias + ".csr");
        keytool("-certreq", "-alias", alias, "-keystore", store.toString(), "-storepass", pass, "-file", request.toString());
        Path certificateFile = dir.resolve(alias + ".pem");
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", store("ca").toString(),
                "-storepass", pass, "-validity", "7", "-infile", request.toString(), "-outfile", certificateFile.toString(),
                "-ext", "eku=" + extendedUsage));
        if (names.length > 0) {
            sign.addAll(List.of("-ext", "SAN=" + String.join(",", names)));
        }
        keytool(sign.toArray(String[]::new));
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, STORE_PASSWORD);
        }
        PrivateKey key = (PrivateKey) keyStore.getKey(alias, STORE_PASSWORD);
        Path keyFile = dir.resolve(alias + "-key.pem");
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
        return new Issued(certificateFile, keyFile, readCertificate(certificateFile), key);
    }

    private Path store(String alias) {
        return dir.resolve(alias + ".p12");
    }

    private static Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating certificates", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
