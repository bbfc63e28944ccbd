package org.jdnn.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.jdnn.data.ArrayDataset;

/**
 * A validation set held out of the training data ({@link Trainer#validationSplit}): a shuffled
 * fraction of the samples, drawn from the trainer's seed so that a run, and a resumed run, hold out
 * the same ones. Stratified, each class gives round(fraction x its count) samples, so the
 * validation set has the training data's class proportions (a class of few samples may give none).
 */
public final class ValidationSplit {
  private final double fraction;
  private final boolean stratified;

  /**
   * A split.
   *
   * @param fraction the share of samples held out, in (0, 1)
   * @param stratified whether each class is held out in proportion (class labels needed)
   * @throws IllegalArgumentException when {@code fraction} is not in (0, 1)
   */
  public ValidationSplit(double fraction, boolean stratified) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("ValidationSplit: fraction must be in (0, 1), e.g. 0.1 for a tenth, got " + fraction);
    }
    this.fraction = fraction;
    this.stratified = stratified;
  }

  /**
   * The share held out.
   *
   * @return the fraction, in (0, 1)
   */
  public double fraction() {
    return fraction;
  }

  /**
   * Whether classes are held out in proportion.
   *
   * @return true when stratified
   */
  public boolean isStratified() {
    return stratified;
  }

  /**
   * The training and validation samples' indices.
   *
   * @param data the dataset to split; with {@code stratified}, one with class labels (read to the host once)
   * @param seed the run's seed
   * @return {training indices, validation indices}, each in increasing order, together every
   *     sample once
   * @throws IllegalArgumentException when a part would be empty, or a stratified split is asked of
   *     data without class labels
   */
  public int[][] indices(ArrayDataset data, long seed) {
    int n = data.size();
    SplittableRandom random = new SplittableRandom(seed ^ 0x5eed5a1e7L);
    List<int[]> groups = new ArrayList<>();
    if (stratified) {
      if (!data.hasLabels()) {
        throw new IllegalArgumentException("ValidationSplit: a stratified split needs class labels, but the targets are "
            + data.targets().describe() + "; use validationSplit(" + fraction + ", false)");
      }
      TreeMap<Integer, List<Integer>> byClass = new TreeMap<>();
      int[] labels = data.targets().toIntArray();
      for (int i = 0; i < n; i++) byClass.computeIfAbsent(labels[i], k -> new ArrayList<>()).add(i);
      for (List<Integer> members : byClass.values()) groups.add(members.stream().mapToInt(Integer::intValue).toArray());
    } else {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) all[i] = i;
      groups.add(all);
    }
    boolean[] held = new boolean[n];
    int heldCount = 0;
    for (int[] g : groups) {
      shuffle(g, random);
      int take = (int) Math.round(fraction * g.length);
      for (int k = 0; k < take; k++) held[g[k]] = true;
      heldCount += take;
    }
    if (heldCount == 0 || heldCount == n) {
      throw new IllegalArgumentException("ValidationSplit: holding out " + fraction + " of " + n + " samples"
          + (stratified ? " class by class" : "") + " leaves " + (heldCount == 0 ? "no validation samples" : "no training samples")
          + "; use a " + (heldCount == 0 ? "larger" : "smaller") + " fraction or more data");
    }
    int[] train = new int[n - heldCount];
    int[] validation = new int[heldCount];
    for (int i = 0, t = 0, v = 0; i < n; i++) {
      if (held[i]) validation[v++] = i;
      else train[t++] = i;
    }
    return new int[][] {train, validation};
  }

  // Fisher-Yates, from the split's own random stream.
  private static void shuffle(int[] a, SplittableRandom random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  @Override
  public String toString() {
    return (stratified ? "stratified " : "") + "validation split of " + fraction;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ValidationSplit && ((ValidationSplit) o).fraction == fraction && ((ValidationSplit) o).stratified == stratified;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(new double[] {fraction, stratified ? 1 : 0});
  }
}
