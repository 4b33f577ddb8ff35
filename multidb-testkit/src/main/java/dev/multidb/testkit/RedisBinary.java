package dev.multidb.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the redis-server binary to run (once per JVM) and reports its version. */
final class RedisBinary {

    static final String ENV_VAR = "REDIS_SERVER";
    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)\\.(\\d+)");

    private static String path;
    private static int[] version;
    private static Path extracted;

    private RedisBinary() {
    }

    /** $REDIS_SERVER, else redis-server on the PATH, else the binary bundled in the embedded-redis jar. */
    static synchronized String path() {
        if (path == null) {
            path = locate();
        }
        return path;
    }

    /** {major, minor, patch} as reported by {@code redis-server --version}. */
    static synchronized int[] version() {
        if (version == null) {
            version = versionOf(path());
        }
        return version.clone();
    }

    static int[] versionOf(String binary) {
        try {
            Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Matcher m = VERSION.matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("cannot parse version of " + binary + " from: " + out);
            }
            return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary + " --version", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + binary + " --version", e);
        }
    }

    private static String locate() {
        String fromEnv = System.getenv(ENV_VAR);
        if (fromEnv != null && !fromEnv.isBlank()) {
            if (!Files.isExecutable(Path.of(fromEnv))) {
                throw new IllegalStateException(ENV_VAR + "=" + fromEnv + " is not an executable file");
            }
            return fromEnv;
        }
        String pathVar = System.getenv("PATH");
        if (pathVar != null) {
            for (String dir : pathVar.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate.toAbsolutePath().toString();
                }
            }
        }
        return extractBundled().toString();
    }

    /** Copies the embedded-redis binary for this platform to a temp file (once per JVM) and makes it executable. */
    static synchronized Path extractBundled() {
        if (extracted != null) {
            return extracted;
        }
        String resource = bundledResourceName(System.getProperty("os.name"), System.getProperty("os.arch"));
        try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " not found; is embedded-redis on the classpath?");
            }
            Path dir = Files.createTempDirectory("multidb-redis-bin-");
            Path file = dir.resolve("redis-server");
            dir.toFile().deleteOnExit();
            file.toFile().deleteOnExit(); // deleteOnExit runs in reverse order: file first, then dir
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            if (!file.toFile().setExecutable(true)) {
                throw new IllegalStateException("cannot make " + file + " executable");
            }
            extracted = file;
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource, e);
        }
    }

    /** Name of the binary shipped at the root of the embedded-redis 1.4.3 jar for the given platform. */
    static String bundledResourceName(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        boolean arm = osArch.equals("aarch64") || osArch.equals("arm64");
        boolean x64 = osArch.equals("amd64") || osArch.equals("x86_64");
        if (os.contains("linux") && x64) {
            return "redis-server-6.2.6-v5-linux-amd64";
        }
        if (os.contains("linux") && arm) {
            return "redis-server-6.2.7-linux-arm64";
        }
        if (os.contains("mac") && x64) {
            return "redis-server-6.2.6-v5-darwin-amd64";
        }
        if (os.contains("mac") && arm) {
            return "redis-server-6.2.6-v5-darwin-arm64";
        }
        throw new IllegalStateException("no bundled redis-server for " + osName + "/" + osArch
                + "; install redis-server or set " + ENV_VAR);
    }
}
