package dev.multidb.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses durations the way people type them: {@code 8s}, {@code 500ms}, {@code 1.5s}, {@code 2m},
 * a plain number of seconds ({@code 8}), or ISO-8601 ({@code PT8S}).
 */
final class DurationConverter implements ITypeConverter<Duration> {

    private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.startsWith("pt") || text.startsWith("p")) {
            try {
                return nonNegative(Duration.parse(text.toUpperCase(Locale.ROOT)), value);
            } catch (DateTimeParseException e) {
                throw invalid(value);
            }
        }
        Matcher m = SHORT.matcher(text);
        if (!m.matches()) {
            throw invalid(value);
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "s" -> amount * 1_000;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            default -> throw invalid(value);
        };
        return Duration.ofMillis(Math.round(millis));
    }

    /** The duration as people write it: {@code 5s}, {@code 1.500s}. */
    static String format(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : String.format(Locale.ROOT, "%.3fs", millis / 1000.0);
    }

    private static Duration nonNegative(Duration d, String value) {
        if (d.isNegative()) {
            throw new TypeConversionException("'" + value + "' is negative");
        }
        return d;
    }

    private static TypeConversionException invalid(String value) {
        return new TypeConversionException("'" + value + "' is not a duration (examples: 8s, 500ms, 2m, 8, PT8S)");
    }
}
