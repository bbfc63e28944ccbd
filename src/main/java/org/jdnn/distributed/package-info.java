/**
 * Data-parallel training across processes: several processes (ranks), each training a replica of
 * the model on its own share of the data, their gradients averaged after every backward pass.
 *
 * <p>{@code scripts/jdnn-run} starts the ranks, one JVM each, with the environment PyTorch's
 * torchrun gives: {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE},
 * {@code MASTER_ADDR} and {@code MASTER_PORT}. {@link org.jdnn.distributed.ProcessGroup#fromEnvironment()}
 * joins them: rank 0 hosts a {@link org.jdnn.distributed.TcpStore} on MASTER_PORT, the other ranks
 * connect to it at MASTER_ADDR, and they exchange addresses through its keys. The store also notes
 * ranks whose connection ended without a goodbye (keys {@code jdnn/lost/<rank>}), so a failure can
 * name the rank that died. Collectives on CPU tensors run on Gloo. A
 * {@link org.jdnn.distributed.DistributedDataParallel} wraps the model and averages its gradients; a
 * {@link org.jdnn.distributed.DistributedSampler} gives each rank its disjoint shard of every
 * epoch's order, which {@link org.jdnn.data.DataLoader#ofIndices} turns into batches:
 *
 * <pre>{@code
 * // scripts/jdnn-run --nproc-per-node 2 com.example.Train
 * try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
 *   DistributedDataParallel ddp = new DistributedDataParallel(model, group);
 *   DistributedSampler sampler = new DistributedSampler(train.size(), group.rank(), group.worldSize(), true, seed, false);
 *   try (DataLoader loader = DataLoader.ofIndices(train, 64, sampler.indices(epoch), seed + group.rank(), epoch,
 *       null, 2, null)) {
 *     for (Batch b : loader) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p>{@link org.jdnn.distributed.SyncBatchNorm} normalizes with the batch statistics of all ranks
 * together; {@code SyncBatchNorm.convert(model, group)} puts it in place of a model's BatchNorms.
 *
 * <p>Failures of the job are {@link org.jdnn.distributed.DistributedException}s, whose messages name
 * the ranks that died or did not arrive.
 */
package org.jdnn.distributed;
