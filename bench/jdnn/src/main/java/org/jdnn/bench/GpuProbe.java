package org.jdnn.bench;

import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceUnavailableException;
import org.jdnn.tensor.Tensor;

/**
 * The GPU kit's first check (scripts/gpu-kit.sh run): loads the named device ("cuda" by default, "cuda-emu" for the
 * dry run), prints its description and runs one tiny op on it, read back to the host. Exit status 0 when the device
 * works, 3 when it is unavailable (the message says why), 1 when the op gives a wrong result.
 */
public final class GpuProbe {
  private GpuProbe() {}

  public static void main(String[] args) {
    String name = args.length > 0 ? args[0] : "cuda";
    Device d;
    try {
      d = Device.byName(name);
    } catch (DeviceUnavailableException e) {
      System.err.println("gpu-probe: device " + name + " is unavailable: " + e.getMessage());
      System.exit(3);
      return;
    }
    System.out.println(d.describe());
    try (Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(d);
        Tensor b = a.matmul(a).add(a);
        Tensor host = b.to(Device.cpu())) {
      float[] got = host.toFloatArray();
      float[] want = {8, 12, 18, 26};  // [[1,2],[3,4]]^2 + itself
      if (!java.util.Arrays.equals(want, got)) {
        System.err.println("gpu-probe: a@a + a on " + name + " gave " + java.util.Arrays.toString(got)
            + ", expected " + java.util.Arrays.toString(want));
        System.exit(1);
      }
    }
    System.out.println("gpu-probe: a 2x2 matmul and add on " + name + " gave the right numbers");
  }
}
