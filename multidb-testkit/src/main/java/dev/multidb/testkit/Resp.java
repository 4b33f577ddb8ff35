package dev.multidb.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.StringJoiner;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Minimal RESP2 codec, just enough to probe and inspect a server without pulling a Redis client into
 * the test kit.
 */
final class Resp {

    private Resp() {
    }

    /** Sends one command on a short-lived connection and returns the rendered reply (see {@link #read}). */
    static String call(String host, int port, Duration timeout, String... args) throws IOException {
        return callAuthenticated(host, port, timeout, null, args);
    }

    /** Like {@link #call(String, int, Duration, String...)}, first sending {@code AUTH password} unless it is null. */
    static String callAuthenticated(String host, int port, Duration timeout, String password, String... args) throws IOException {
        return callAuthenticated(null, host, port, timeout, password, args);
    }

    /** Like {@link #callAuthenticated(String, int, Duration, String, String...)}, over TLS unless {@code tls} is null. */
    static String callAuthenticated(SSLSocketFactory tls, String host, int port, Duration timeout, String password, String... args)
            throws IOException {
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), millis);
            plain.setSoTimeout(millis);
            plain.setTcpNoDelay(true);
            Socket socket = plain;
            if (tls != null) {
                SSLSocket secured = (SSLSocket) tls.createSocket(plain, host, port, true);
                secured.startHandshake();
                socket = secured;
            }
            BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
            if (password != null) {
                write(socket.getOutputStream(), "AUTH", password);
                read(in);
            }
            write(socket.getOutputStream(), args);
            return read(in);
        }
    }

    /** Writes {@code args} as a RESP array of bulk strings and flushes. */
    static void write(OutputStream out, String... args) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.writeBytes(ascii("*" + args.length + "\r\n"));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            buf.writeBytes(ascii("$" + bytes.length + "\r\n"));
            buf.writeBytes(bytes);
            buf.writeBytes(ascii("\r\n"));
        }
        out.write(buf.toByteArray());
        out.flush();
    }

    /**
     * Reads one reply: simple strings, integers and bulk strings as text, nil as {@code null}, arrays as
     * their elements joined by {@code '\n'} (nil elements as {@code "null"}).
     *
     * @throws IllegalStateException carrying the error text for a RESP error reply
     */
    static String read(InputStream in) throws IOException {
        int type = in.read();
        if (type == -1) {
            throw new EOFException("connection closed before a reply was received");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
            case ':':
                return line;
            case '-':
                throw new IllegalStateException(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length);
                if (data.length < length) {
                    throw new EOFException("connection closed inside a bulk string");
                }
                readLine(in); // trailing CRLF
                return new String(data, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                StringJoiner joined = new StringJoiner("\n");
                for (int i = 0; i < count; i++) {
                    joined.add(String.valueOf(read(in)));
                }
                return joined.toString();
            }
            default:
                throw new IOException("unexpected RESP type byte '" + (char) type + "'");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("connection closed inside a reply line");
            }
            if (prev == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            prev = b;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
