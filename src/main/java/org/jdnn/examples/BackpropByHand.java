package org.jdnn.examples;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.optim.SGD;
import org.jdnn.plot.Figures;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * One step of backpropagation worked by hand and checked twice. A 2-2-1 network of logistic units
 * (sigmoid hidden and output) with fixed weights sees one input x and target t; the error is
 * E = (y - t)^2 / 2. By hand, with the delta rule in plain Java doubles:
 *
 * <pre>
 *   z1 = W1 x + b1, h = s(z1), z2 = W2 h + b2, y = s(z2)           (s the logistic function)
 *   delta2 = (y - t) y (1 - y)                                    output unit's delta
 *   delta1 = (W2^T delta2) h (1 - h)                              hidden units' deltas
 *   dE/dW2 = delta2 h^T, dE/db2 = delta2, dE/dW1 = delta1 x^T, dE/db1 = delta1
 * </pre>
 *
 * <p>The same network in float64 jdnn layers gives autograd's gradients, which must equal the hand
 * ones to 1e-12, and {@link GradCheck} compares autograd with central finite differences. Then
 * one gradient-descent step (learning rate 0.5) is taken by hand and by {@link SGD}; both give the
 * same weights and the error falls. The picture is the network with every forward value, delta,
 * weight and gradient written on it.
 */
public final class BackpropByHand {
  private static final String USAGE = "usage: BackpropByHand [--out DIR]\n"
      + "Computes one backpropagation step of a 2-2-1 sigmoid network by hand (delta rule), prints it beside autograd's\n"
      + "gradients and GradCheck's finite-difference check, takes one SGD step both ways and writes DIR/backprop.png:\n"
      + "the network with its forward values, deltas, weights and gradients. Default --out target/examples.";
  private static final double[] X = {0.5, -1.0};
  private static final double T = 1.0;
  private static final double[] W1 = {0.2, -0.4, 0.7, 0.1};  // (2, 2), row i = hidden unit i
  private static final double[] B1 = {0.1, -0.3};
  private static final double[] W2 = {0.6, -0.5};  // (1, 2)
  private static final double[] B2 = {0.2};
  private static final double LR = 0.5;
  private static final String[] NAMES = {"W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "b1[0]", "b1[1]", "W2[0,0]", "W2[0,1]", "b2"};

  private BackpropByHand() {}

  /** What the step found. */
  static final class Report {
    /** dE/dparameter in the order of NAMES: by hand and by autograd. */
    double[] hand;
    double[] autograd;
    /** The largest |hand - autograd|. */
    double handVsAutograd;
    /** GradCheck's worst |autograd - finite difference| over the input and every parameter. */
    GradCheck.Result gradCheck;
    /** The largest |hand update - SGD update| of a parameter. */
    double updateDifference;
    /** E before and after the step. */
    double errorBefore;
    double errorAfter;
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, USAGE, "--out");
    if (o == null) return;
    Report r = run(true);
    Path png = o.out().resolve("backprop.png");
    Figures.save(BackpropDiagram.render(new Worked(), r), png);
    System.out.println("picture: " + png.toAbsolutePath());
  }

  /** Works the step by hand, checks it with autograd and GradCheck, and takes it both ways. */
  static Report run(boolean print) {
    Report r = new Report();
    r.hand = byHand();
    try (Sequential net = network(); TensorScope s = new TensorScope(); SGD sgd = new SGD(net.parameters(), LR)) {
      Tensor x = Tensor.of(X, 1, 2);
      Tensor loss = error(net, x);
      r.errorBefore = loss.item();
      sgd.zeroGrad();
      loss.backward();
      r.autograd = gradients(net);
      for (int i = 0; i < r.hand.length; i++) r.handVsAutograd = Math.max(r.handVsAutograd, Math.abs(r.hand[i] - r.autograd[i]));
      sgd.zeroGrad();
      r.gradCheck = GradCheck.check(in -> error(net, in[0]), net.parameters(), 1e-6, Tensor.of(X, 1, 2));
      if (print) {
        System.out.printf(Locale.ROOT, "forward: y = %.12f, target %.1f, E = (y - t)^2 / 2 = %.12f%n", output(net, x), T,
            r.errorBefore);
        System.out.println("parameter   dE/dw by hand (delta rule)   dE/dw by autograd        difference");
        for (int i = 0; i < NAMES.length; i++) {
          System.out.printf(Locale.ROOT, "%-9s   %+.15f         %+.15f     %.1e%n", NAMES[i], r.hand[i], r.autograd[i],
              Math.abs(r.hand[i] - r.autograd[i]));
        }
        System.out.printf(Locale.ROOT, "largest |hand - autograd|: %.1e (float64)%n", r.handVsAutograd);
        System.out.println("GradCheck (autograd against central differences, h = 1e-6, over x and every parameter): "
            + r.gradCheck);
      }
      // one step of gradient descent: by hand from the hand gradients, and by SGD from autograd's
      double[] before = parameters(net);
      loss = error(net, x);
      sgd.zeroGrad();
      loss.backward();
      sgd.step();
      double[] after = parameters(net);
      for (int i = 0; i < before.length; i++) {
        r.updateDifference = Math.max(r.updateDifference, Math.abs(before[i] - LR * r.hand[i] - after[i]));
      }
      r.errorAfter = error(net, x).item();
      if (print) {
        System.out.printf(Locale.ROOT, "one step, learning rate %.1f: largest |hand update - SGD update| %.1e; E %.12f -> %.12f%n",
            LR, r.updateDifference, r.errorBefore, r.errorAfter);
      }
    }
    return r;
  }

  /** The step worked in plain doubles from the definitions above: every forward value, delta and gradient. */
  static final class Worked {
    final double[] x = X.clone();
    final double t = T;
    final double[] w1 = W1.clone();
    final double[] b1 = B1.clone();
    final double[] w2 = W2.clone();
    final double b2 = B2[0];
    final double[] h = new double[2];
    final double y;
    final double error;
    final double delta2;
    final double[] delta1 = new double[2];
    /** dE/dparameter in the order of NAMES. */
    final double[] gradients;

    Worked() {
      for (int i = 0; i < 2; i++) h[i] = logistic(w1[2 * i] * x[0] + w1[2 * i + 1] * x[1] + b1[i]);
      y = logistic(w2[0] * h[0] + w2[1] * h[1] + b2);
      error = (y - t) * (y - t) / 2;
      delta2 = (y - t) * y * (1 - y);
      for (int i = 0; i < 2; i++) delta1[i] = w2[i] * delta2 * h[i] * (1 - h[i]);
      gradients = new double[] {delta1[0] * x[0], delta1[0] * x[1], delta1[1] * x[0], delta1[1] * x[1], delta1[0], delta1[1],
          delta2 * h[0], delta2 * h[1], delta2};
    }
  }

  /** The delta rule's gradients, in the order of NAMES. */
  static double[] byHand() {
    return new Worked().gradients;
  }

  private static double logistic(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  /** The network in float64 with the fixed weights. The caller closes it. */
  private static Sequential network() {
    Linear hidden = new Linear(2, 2);
    Linear out = new Linear(2, 1);
    Sequential net = new Sequential(hidden, new Sigmoid(), out, new Sigmoid());
    net.to(DType.FLOAT64);
    hidden.weight().write(W1);
    hidden.bias().write(B1);
    out.weight().write(W2);
    out.bias().write(B2);
    return net;
  }

  private static Tensor error(Layer net, Tensor x) {
    return net.forward(x).sub(T).square().mul(0.5).sum();
  }

  private static double output(Layer net, Tensor x) {
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      return net.forward(x).item();
    }
  }

  /** Every parameter's gradient, in the order of NAMES (hidden weight, hidden bias, output weight, output bias). */
  private static double[] gradients(Layer net) {
    return concat(net.parameters(), true);
  }

  private static double[] parameters(Layer net) {
    return concat(net.parameters(), false);
  }

  private static double[] concat(List<Tensor> tensors, boolean grads) {
    double[] out = new double[NAMES.length];
    int k = 0;
    for (Tensor p : tensors) for (double v : (grads ? p.grad() : p).toDoubleArray()) out[k++] = v;
    return out;
  }
}
