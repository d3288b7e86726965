package kvstore.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A duration on the command line as a number and a unit (500ms, 30s, 10m, 2h, 7d), converted to milliseconds. */
final class Durations implements ITypeConverter<Long> {
  private static final Pattern FORM = Pattern.compile("(\\d{1,15})(ms|s|m|h|d)");

  @Override
  public Long convert(String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new TypeConversionException("'" + text + "' is not a duration: write a number and a unit, e.g. 500ms, 30s, 10m, 2h or 7d");
    }
    long n = Long.parseLong(m.group(1));
    long unit = switch (m.group(2)) {
      case "ms" -> 1;
      case "s" -> 1000;
      case "m" -> 60_000;
      case "h" -> 3_600_000;
      default -> 86_400_000;
    };
    if (n > Long.MAX_VALUE / unit) {
      throw new TypeConversionException("'" + text + "' is too long a duration");
    }
    return n * unit;
  }
}
