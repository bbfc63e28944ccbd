/**
 * Data-parallel training across processes: rendezvous store, process groups (Gloo for CPU tensors,
 * NCCL for CUDA tensors), DistributedDataParallel, DistributedSampler.
 *
 * <p>Ranks meet as torchrun's do, through the environment variables RANK, WORLD_SIZE, MASTER_ADDR and
 * MASTER_PORT: rank 0 hosts a {@link org.jdnn.distributed.TcpStore} on MASTER_PORT, the other ranks
 * connect to it at MASTER_ADDR, and they exchange addresses through its keys. The store also notes
 * ranks whose connection ended without a goodbye (keys {@code jdnn/lost/<rank>}), so a failure can
 * name the rank that died. Failures of the job are {@link org.jdnn.distributed.DistributedException}s.
 */
package org.jdnn.distributed;
