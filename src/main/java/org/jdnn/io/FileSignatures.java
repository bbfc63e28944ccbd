package org.jdnn.io;

/** Names the kind of a file from its first bytes, so a loader given the wrong file can say what it got. */
final class FileSignatures {
  private FileSignatures() {}

  private static final Object[][] KNOWN = {
    {new byte[] {(byte) 0x89, 'P', 'N', 'G'}, "a PNG image"},
    {new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff}, "a JPEG image"},
    {new byte[] {(byte) 0x89, 'H', 'D', 'F'}, "an HDF5 file (such as a Keras .h5 model)"},
    {new byte[] {'P', 'K', 3, 4}, "a ZIP archive (such as a PyTorch .pt/.pth file written by torch.save, or a NumPy .npz)"},
    {new byte[] {0x1f, (byte) 0x8b}, "a gzip file"},
    {new byte[] {(byte) 0x80, 2}, "a Python pickle"},
    {new byte[] {(byte) 0x80, 4}, "a Python pickle"},
  };

  /** "a PNG image" and the like, or null when the start of {@code head} matches no known kind. */
  static String describe(byte[] head) {
    for (Object[] k : KNOWN) {
      byte[] magic = (byte[]) k[0];
      if (startsWith(head, magic)) return (String) k[1];
    }
    return null;
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    if (a.length < prefix.length) return false;
    for (int i = 0; i < prefix.length; i++) if (a[i] != prefix[i]) return false;
    return true;
  }

  /** The bytes as lowercase hex pairs separated by spaces ("89 50 4e 47"). */
  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) sb.append(sb.length() == 0 ? "" : " ").append(String.format("%02x", x & 0xff));
    return sb.toString();
  }
}
