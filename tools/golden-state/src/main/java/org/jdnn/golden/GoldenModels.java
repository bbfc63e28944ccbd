package org.jdnn.golden;

import static org.bytedeco.pytorch.global.torch.flatten;
import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.relu;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * W1 and W2 of benchmarks.md (the workloads bench/ runs) in libtorch's C++ modules, at smaller widths
 * so that five copies of both models' parameters fit the 2 MB budget of the golden file (the full
 * W1 alone is 535,818 floats, 2.1 MB). Layer types, order, kernel sizes, paddings and pooling are
 * the workloads'. Children are registered under the index each layer has in the equivalent jdnn
 * Sequential (activations, pooling and flatten are unnamed functions here but still take their
 * index), so parameter names ("0.weight", "1.running_mean") match jdnn's one to one.
 */
final class GoldenModels {
  /** W1's hidden widths (the workload: 512, 256). */
  static final int W1_H1 = 32, W1_H2 = 16;
  /** W2's channels and hidden width (the workload: 32, 64, 128). */
  static final int W2_C1 = 8, W2_C2 = 16, W2_HIDDEN = 32;

  private GoldenModels() {}

  /** A model over a [N, 1, 28, 28] batch. */
  abstract static class Net extends Module {
    abstract Tensor forward(Tensor x);

    abstract String describe();
  }

  /** 784 -> Linear -> ReLU -> Linear -> ReLU -> Linear 10. */
  static final class W1 extends Net {
    final LinearImpl fc0, fc2, fc4;

    W1() {
      fc0 = register_module("0", new LinearImpl(784, W1_H1));
      fc2 = register_module("2", new LinearImpl(W1_H1, W1_H2));
      fc4 = register_module("4", new LinearImpl(W1_H2, 10));
    }

    @Override
    Tensor forward(Tensor x) {
      x = x.reshape(-1, 784);
      return fc4.forward(relu(fc2.forward(relu(fc0.forward(x)))));
    }

    @Override
    String describe() {
      return "input reshaped to [N, 784]; 0 Linear(784, " + W1_H1 + "), 1 ReLU, 2 Linear(" + W1_H1 + ", " + W1_H2
          + "), 3 ReLU, 4 Linear(" + W1_H2 + ", 10)";
    }
  }

  /**
   * conv 3x3 pad 1 -> BatchNorm -> ReLU -> maxpool 2 (twice) -> flatten -> Linear -> ReLU -> Dropout
   * 0.5 -> Linear 10. The dropout is the identity here (its layer in eval mode): two frameworks'
   * random streams cannot draw the same mask, so the golden steps run every other layer in training
   * mode and dropout as at inference.
   */
  static final class W2 extends Net {
    final Conv2dImpl conv0, conv4;
    final BatchNorm2dImpl bn1, bn5;
    final LinearImpl fc9, fc12;

    W2() {
      conv0 = register_module("0", new Conv2dImpl(conv(1, W2_C1)));
      bn1 = register_module("1", new BatchNorm2dImpl(norm(W2_C1)));
      conv4 = register_module("4", new Conv2dImpl(conv(W2_C1, W2_C2)));
      bn5 = register_module("5", new BatchNorm2dImpl(norm(W2_C2)));
      fc9 = register_module("9", new LinearImpl(W2_C2 * 7 * 7, W2_HIDDEN));
      fc12 = register_module("12", new LinearImpl(W2_HIDDEN, 10));
    }

    private static Conv2dOptions conv(long in, long out) {
      Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(3, 3));
      o.padding().put(new LongPointer(1, 1));
      return o;
    }

    /** PyTorch's defaults, stated: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    private static BatchNormOptions norm(long channels) {
      BatchNormOptions o = new BatchNormOptions(channels);
      o.eps().put(1e-5);
      o.momentum().put(0.1);
      return o;
    }

    @Override
    Tensor forward(Tensor x) {
      x = max_pool2d(relu(bn1.forward(conv0.forward(x))), 2, 2);
      x = max_pool2d(relu(bn5.forward(conv4.forward(x))), 2, 2);
      x = relu(fc9.forward(flatten(x, 1, -1)));
      return fc12.forward(x);  // 11: Dropout(0.5), the identity in eval mode
    }

    @Override
    String describe() {
      return "0 Conv2d(1, " + W2_C1 + ", 3, padding 1), 1 BatchNorm2d(" + W2_C1 + "), 2 ReLU, 3 MaxPool2d(2), 4 Conv2d("
          + W2_C1 + ", " + W2_C2 + ", 3, padding 1), 5 BatchNorm2d(" + W2_C2 + "), 6 ReLU, 7 MaxPool2d(2), 8 Flatten, "
          + "9 Linear(" + (W2_C2 * 49) + ", " + W2_HIDDEN + "), 10 ReLU, 11 Dropout(0.5) in eval mode (identity), "
          + "12 Linear(" + W2_HIDDEN + ", 10)";
    }
  }
}
