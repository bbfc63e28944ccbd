package org.jdnn.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The non-blank lines of a UTF-8 CSV file, split into fields, for {@link CsvReader}. Decodes as it
 * reads, so invalid UTF-8 is reported at its line and byte offset, and enforces the field-length and
 * column-count limits while reading, so an oversized line is refused without being read whole. A
 * byte-order mark at the start is skipped. Lines end at LF, CR or CRLF; a double-quoted field keeps
 * separators and doubled quotes ({@code "a ""b"", c"}) but does not span lines.
 */
final class CsvRecords implements Closeable {
  private static final char BOM = '\uFEFF';

  private final Path file;
  private final InputStream in;
  private final char separator;
  private final int maxFieldChars;
  private final int maxColumns;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
  private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16).flip();
  private final CharBuffer chars = CharBuffer.allocate(1 << 16).flip();
  private long bytesBefore; // file offset of bytes[0]
  private boolean endOfInput;
  private boolean decoded; // every byte decoded and the decoder flushed
  private long invalidOffset = -1; // reported once the characters decoded before it are consumed
  private int invalidByte;
  private boolean started;
  private int pushedBack = -1;
  private int line = 1; // line of the next character
  private int recordLine;

  CsvRecords(Path file, char separator, int maxFieldChars, int maxColumns) throws IOException {
    this.file = file;
    this.in = Files.newInputStream(file);
    this.separator = separator;
    this.maxFieldChars = maxFieldChars;
    this.maxColumns = maxColumns;
  }

  /** Line number (1-based) of the record last returned by {@link #next()}. */
  int line() {
    return recordLine;
  }

  /** The fields of the next non-blank line, or null at the end of the file. */
  List<String> next() throws IOException {
    while (true) {
      recordLine = line;
      int c = read();
      if (c < 0) return null;
      List<String> fields = record(c);
      if (fields != null) return fields;
    }
  }

  // Reads the rest of the line starting with c; null when the line is blank (whitespace only).
  private List<String> record(int c) throws IOException {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean blankLine = true, blankField = true, quoted = false;
    for (; c >= 0; c = read()) {
      if (quoted) {
        if (c == '\n' || c == '\r') throw new IOException(file + " line " + recordLine + ": unterminated quoted field");
        if (c == '"') {
          int d = read();
          if (d == '"') {
            field.append('"');
          } else {
            quoted = false;
            pushedBack = d;
          }
        } else {
          field.append((char) c);
        }
      } else if (c == '\n' || c == '\r') {
        line++;
        if (c == '\r') skipLf();
        break;
      } else if (c == '"' && blankField) {
        quoted = true;
        blankField = false;
        blankLine = false;
      } else if (c == separator) {
        addField(fields, field);
        blankField = true;
        blankLine &= Character.isWhitespace(c);
      } else {
        field.append((char) c);
        blankField &= Character.isWhitespace(c);
        blankLine &= Character.isWhitespace(c);
      }
      if (field.length() > maxFieldChars) {
        throw new IOException(file + " line " + recordLine + ", field " + (fields.size() + 1) + ": longer than " + maxFieldChars
            + " characters (the limit; raise it with maxFieldChars(n))");
      }
    }
    if (quoted) throw new IOException(file + " line " + recordLine + ": unterminated quoted field");
    if (blankLine) return null;
    addField(fields, field);
    return fields;
  }

  private void addField(List<String> fields, StringBuilder field) throws IOException {
    if (fields.size() == maxColumns) {
      throw new IOException(file + " line " + recordLine + ": more than " + maxColumns
          + " fields (the limit; raise it with maxColumns(n))");
    }
    fields.add(field.toString());
    field.setLength(0);
  }

  private void skipLf() throws IOException {
    int d = read();
    if (d != '\n') pushedBack = d;
  }

  private int read() throws IOException {
    if (pushedBack != -1) {
      int c = pushedBack;
      pushedBack = -1;
      return c;
    }
    if (!chars.hasRemaining() && !fill()) return -1;
    char c = chars.get();
    if (!started) {
      started = true;
      if (c == BOM) return read();
    }
    return c;
  }

  // Decodes the next characters; false at the end of the file.
  private boolean fill() throws IOException {
    if (decoded) return false;
    chars.clear();
    while (chars.position() == 0) {
      if (invalidOffset >= 0) {
        // every character before the invalid byte has been consumed: line is where it sits
        throw new IOException(String.format("%s line %d: invalid UTF-8 (byte 0x%02x at byte offset %d); save the file as UTF-8",
            file, line, invalidByte, invalidOffset));
      }
      CoderResult r = decoder.decode(bytes, chars, endOfInput);
      if (r.isError()) {
        invalidOffset = bytesBefore + bytes.position();
        invalidByte = bytes.get(bytes.position()) & 0xff;
      } else if (r.isOverflow()) {
        break;
      } else if (endOfInput) {
        decoder.flush(chars);
        decoded = true;
        break;
      } else {
        readBytes();
      }
    }
    chars.flip();
    return chars.hasRemaining();
  }

  private void readBytes() throws IOException {
    bytesBefore += bytes.position();
    bytes.compact();
    int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
    if (n < 0) endOfInput = true;
    else bytes.position(bytes.position() + n);
    bytes.flip();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
