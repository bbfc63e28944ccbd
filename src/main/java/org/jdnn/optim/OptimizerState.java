package org.jdnn.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/** Saving and restoring an {@link Optimizer}'s state (the key layout is documented there). */
final class OptimizerState {
  private OptimizerState() {}

  static Map<String, Tensor> tensors(Optimizer o) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < o.state.size(); i++) {
      // A loss-scaled step skipped on the device may have created a parameter's state before its
      // first update; still at its initial values, it is left out, as a first update creates it again.
      if (o.steps[i] == 0) continue;
      for (Map.Entry<String, Tensor> e : o.state.get(i).entrySet()) out.put("state." + i + "." + e.getKey(), e.getValue());
    }
    return out;
  }

  static Map<String, Object> scalars(Optimizer o) {
    Map<String, Object> out = new LinkedHashMap<>();
    int groups = o.groupCount();
    out.put("groups", groups);
    int[] sizes = groupSizes(o);
    for (int g = 0; g < groups; g++) {
      out.put("group." + g + ".params", sizes[g]);
      for (String name : o.defaults.keySet()) {
        Object v = o.groupOverrides.get(g).get(name);
        out.put("group." + g + "." + name, v != null ? v : o.defaults.get(name));
      }
    }
    for (int i = 0; i < o.steps.length; i++) if (o.steps[i] > 0) out.put("state." + i + ".step", o.steps[i]);
    return out;
  }

  /** Saved state checked against an optimizer: every group's hyper-parameters and every parameter's step count. */
  private record Checked(List<Map<String, Object>> hypers, long[] steps) {}

  static void load(Optimizer o, Map<String, Tensor> tensors, Map<String, Object> scalars) {
    // Everything is parsed and checked first, so a bad entry leaves the optimizer untouched.
    apply(o, check(o, tensors, scalars), tensors);
  }

  static Checked check(Optimizer o, Map<String, Tensor> tensors, Map<String, Object> scalars) {
    String who = o.name() + ".loadState";
    if (tensors == null || scalars == null) throw new IllegalArgumentException(who + ": tensors and scalars must not be null");
    List<Map<String, Object>> hypers = parseGroups(o, who, scalars);
    long[] steps = new long[o.steps.length];
    for (Map.Entry<String, Object> e : scalars.entrySet()) {
      String key = e.getKey();
      if (key.equals("groups") || key.startsWith("group.")) continue;
      int i = paramIndex(o, who, key, "step");
      if (!(e.getValue() instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 0) {
        throw new IllegalArgumentException(who + ": " + key + " must be a whole number >= 0, got " + e.getValue());
      }
      steps[i] = n.longValue();
    }
    List<String> allowed = o.stateNames();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String key = e.getKey();
      String name = key.substring(key.lastIndexOf('.') + 1);
      int i = paramIndex(o, who, key, name);
      if (!allowed.contains(name)) {
        throw new IllegalArgumentException(who + ": unknown state '" + key + "', expected one of " + allowed);
      }
      Tensor src = e.getValue(), p = o.params.get(i);
      if (src == null || src.isClosed() || src.dtype() != p.dtype() || !Arrays.equals(src.shape(), p.shape())) {
        throw new IllegalArgumentException(who + ": " + key + " must match parameter " + p.describe() + ", got "
            + (src == null ? "null" : src.isClosed() ? "a closed tensor" : src.describe()));
      }
    }
    checkComplete(o, who, tensors, steps);
    checkGroupConfigs(o, hypers);
    return new Checked(hypers, steps);
  }

  // A parameter's state is created by its first update, so state and step count go together.
  private static void checkComplete(Optimizer o, String who, Map<String, Tensor> tensors, long[] steps) {
    for (int i = 0; i < steps.length; i++) {
      String prefix = "state." + i + ".";
      if (steps[i] == 0) {
        for (String key : tensors.keySet()) {
          if (key.startsWith(prefix)) {
            throw new IllegalArgumentException(who + ": " + key + " is given, but " + prefix + "step is missing or 0 (state is"
                + " created by a parameter's first update)");
          }
        }
        continue;
      }
      for (String name : o.requiredStateNames()) {
        if (!tensors.containsKey(prefix + name)) {
          throw new IllegalArgumentException(who + ": " + prefix + name + " is missing, but parameter " + i + " was updated "
              + steps[i] + " times and every update keeps it");
        }
      }
    }
  }

  // The combination checks read the groups' values, so the new values are put in place for the
  // checks and the previous ones put back whatever the outcome.
  private static void checkGroupConfigs(Optimizer o, List<Map<String, Object>> hypers) {
    List<Map<String, Object>> previous = new ArrayList<>();
    for (int g = 0; g < hypers.size(); g++) {
      previous.add(new LinkedHashMap<>(o.groupOverrides.get(g)));
      o.groupOverrides.get(g).putAll(hypers.get(g));
    }
    try {
      for (int g = 0; g < hypers.size(); g++) {
        try {
          o.checkGroupConfig(g);
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException(o.name() + ".loadState: group." + g + ": " + ex.getMessage(), ex);
        }
      }
    } finally {
      for (int g = 0; g < hypers.size(); g++) {
        o.groupOverrides.get(g).clear();
        o.groupOverrides.get(g).putAll(previous.get(g));
      }
    }
  }

  private static List<Map<String, Object>> parseGroups(Optimizer o, String who, Map<String, Object> scalars) {
    Object count = scalars.get("groups");
    if (!(count instanceof Number c) || c.intValue() != o.groupCount() || c.doubleValue() != o.groupCount()) {
      throw new IllegalArgumentException(who + ": groups must be " + o.groupCount() + ", got " + count);
    }
    int[] sizes = groupSizes(o);
    List<Map<String, Object>> hypers = new ArrayList<>();
    Map<String, Object> seen = new HashMap<>();
    for (int g = 0; g < sizes.length; g++) {
      String prefix = "group." + g + ".";
      Object size = scalars.get(prefix + "params");
      if (!(size instanceof Number s) || s.intValue() != sizes[g] || s.doubleValue() != sizes[g]) {
        throw new IllegalArgumentException(who + ": " + prefix + "params must be " + sizes[g] + ", got " + size);
      }
      seen.put(prefix + "params", size);
      Map<String, Object> h = new LinkedHashMap<>();
      for (Map.Entry<String, Object> d : o.defaults.entrySet()) {
        String key = prefix + d.getKey();
        Object v = scalars.get(key);
        if (d.getValue() instanceof Boolean) {
          if (!(v instanceof Boolean)) throw new IllegalArgumentException(who + ": " + key + " must be a Boolean, got " + v);
          h.put(d.getKey(), v);
        } else {
          if (!(v instanceof Number n)) throw new IllegalArgumentException(who + ": " + key + " must be a Number, got " + v);
          try {
            o.checkHyper(d.getKey(), n.doubleValue());
          } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(who + ": " + key + ": " + ex.getMessage(), ex);
          }
          h.put(d.getKey(), n.doubleValue());
        }
        seen.put(key, v);
      }
      hypers.add(h);
    }
    for (String key : scalars.keySet()) {
      if (key.startsWith("group.") && !seen.containsKey(key)) {
        throw new IllegalArgumentException(who + ": unknown entry '" + key + "' (not a hyper-parameter of " + o.name() + ")");
      }
    }
    return hypers;
  }

  /** The parameter index in "state.&lt;i&gt;.&lt;name&gt;", checked against the parameter count. */
  private static int paramIndex(Optimizer o, String who, String key, String name) {
    String[] parts = key.split("\\.", -1);
    if (parts.length != 3 || !parts[0].equals("state") || !parts[2].equals(name)) {
      throw new IllegalArgumentException(who + ": unknown entry '" + key + "', expected state.<paramIndex>." + name);
    }
    int i;
    try {
      i = Integer.parseInt(parts[1]);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException(who + ": '" + key + "' has no parameter index", ex);
    }
    if (i < 0 || i >= o.params.size()) {
      throw new IllegalArgumentException(who + ": " + key + " names parameter " + i + ", but there are "
          + o.params.size());
    }
    return i;
  }

  private static void apply(Optimizer o, Checked checked, Map<String, Tensor> tensors) {
    // Copies are made before the old state is freed: the source may be this optimizer's own state.
    List<Map<String, Tensor>> fresh = new ArrayList<>();
    for (int i = 0; i < o.params.size(); i++) fresh.add(new LinkedHashMap<>());
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String[] parts = e.getKey().split("\\.");
      int i = Integer.parseInt(parts[1]);
      Tensor p = o.params.get(i);
      Tensor copy = Tensor.empty(p.dtype(), p.device(), p.shape()).keep();
      MemoryOps.copy(e.getValue(), copy);
      fresh.get(i).put(parts[2], copy);
    }
    o.freeState();
    for (int g = 0; g < checked.hypers().size(); g++) o.groupOverrides.get(g).putAll(checked.hypers().get(g));
    for (int i = 0; i < fresh.size(); i++) o.state.get(i).putAll(fresh.get(i));
    System.arraycopy(checked.steps(), 0, o.steps, 0, o.steps.length);
  }

  private static int[] groupSizes(Optimizer o) {
    int[] sizes = new int[o.groupCount()];
    for (int g : o.groupOf) sizes[g]++;
    return sizes;
  }
}
