// Errors only the data can reveal (an index or a label out of range), found by kernels and
// raised later, so that no op has to wait for the device to learn whether its data was good.
//
// Each context owns one DeviceErrorRecord in device memory, allocated once and reused. A kernel
// that meets bad data calls record_error(); the record keeps the FIRST error: that of the earliest
// op in stream order (a later op's kernels run after it, find the record taken and leave it), and
// within one op the smallest position (the one the CPU backend names), whatever order the threads
// ran in. The host reads the record only where it waits for the device anyway: every download
// (copy_to_host), Device.synchronize() and the explicit Device.checkErrors(); the read is queued
// before that wait, so it costs no synchronization of its own. A recorded error is then raised
// with the same kind and message the op raised when it checked at once, plus where it was raised,
// and the record is cleared. Nothing else clears it: an error stays recorded whatever tensors are
// closed or scopes exited meanwhile, until a synchronizing call raises it.
#pragma once
#include <cstdint>
#include <cstring>

#include "cuda/runtime.h"

namespace jdnn::cuda {

// What a record holds: which check failed (its message template), where and with what value.
enum class DeviceCheck : unsigned {
  NONE = 0,
  GATHER_ROWS_INDEX,             // position: output row, value: index, bound0: source rows
  CROSS_ENTROPY_LABEL,           // position: row, value: label, bound0: classes
  CROSS_ENTROPY_BACKWARD_LABEL,  // the same, for the backward
  MAX_POOL_BACKWARD_INDEX,       // position: dy element, value: index, bound0 x bound1: the input plane
  COUNT_CORRECT_LABEL,           // position: row, value: label, bound0: classes
  POINT_LOSS_DOMAIN,             // position: 2 element + (0 input, 1 target), value: double_bits of it
  GATHER_ROWS_CURSOR,            // position: batch rows, value: cursor, bound0: order length
  INDEX_SELECT_INDEX,            // position: index position, value: index, bound0: dim size, bound1: dim
  INDEX_ADD_INDEX,               // the same, for index_add
  GATHER_INDEX,                  // the same, for gather
  SCATTER_ADD_INDEX,             // the same, for scatter_add
};

// Device memory layout of the record; all zero means "nothing recorded".
struct DeviceErrorRecord {
  unsigned lock;            // 0 free, 1 held by a thread writing the record
  unsigned code;            // a DeviceCheck
  unsigned long long seq;   // the recording op's sequence number (DeviceErrors::site)
  long long position;
  long long value;
  long long bound0;
  long long bound1;
};

// What one op's kernels need to record an error: passed by value, beside the record pointer.
struct ErrorSite {
  unsigned long long seq;
  unsigned code;
  long long bound0;
  long long bound1;
};

// A double's bits, for a record's value that is not an integer (and may be NaN).
__device__ __host__ __forceinline__ long long double_bits(double d) {
  long long bits;
  memcpy(&bits, &d, sizeof bits);
  return bits;
}

// Called by a kernel thread that found bad data (the rare path): keeps the first error. Threads
// that found errors in the same launch take a lock in turn; independent thread scheduling (sm_70
// and newer; jdnn needs sm_75) lets a lane spin while another lane of its warp holds it. Fields
// are read and written through volatile so that no stale cached copy is compared.
__device__ __forceinline__ void record_error(DeviceErrorRecord* record, const ErrorSite& site, int64_t position,
                                             int64_t value) {
  // A look before the lock: when the record already holds an earlier op's error or this op's at a
  // smaller or equal position, this one cannot win, so a kernel meeting millions of bad elements
  // (raw scores passed to BCE) does not serialize them all on the lock. A stale look only means
  // taking the lock, where the decision is made again.
  {
    volatile DeviceErrorRecord* r = record;
    if (r->code != 0 && (r->seq != site.seq || r->position <= position)) return;
  }
  while (atomicCAS(&record->lock, 0u, 1u) != 0u) {
  }
  __threadfence();
  volatile DeviceErrorRecord* r = record;
  if (r->code == 0 || (r->seq == site.seq && position < r->position)) {
    r->seq = site.seq;
    r->position = position;
    r->value = value;
    r->bound0 = site.bound0;
    r->bound1 = site.bound1;
    r->code = site.code;
  }
  __threadfence();
  atomicExch(&record->lock, 0u);
}

// The host side of a context's record. Used under the context's op lock.
class DeviceErrors {
 public:
  // A site for the next op that checks its data. The record is allocated on first use, once per
  // context, straight from cudaMalloc (it is no tensor: not in bytes_in_use nor in the
  // allocator's device_mallocs), and zeroed on `stream`.
  ErrorSite site(cudaStream_t stream, DeviceCheck code, int64_t bound0 = 0, int64_t bound1 = 0);
  DeviceErrorRecord* record() const { return device_; }

  // Queues a copy of the record into pinned memory, before a wait for `stream`, when an op that
  // checks its data was issued since the record was last found empty.
  void before_wait(cudaStream_t stream);
  // After that wait: raises the recorded error, if any (clearing the record first, so the next
  // read finds it empty). `where` names the synchronizing call in the message.
  void after_wait(cudaStream_t stream, const char* where);
  bool read_queued() const { return read_queued_; }
  // A replayed CUDA graph may hold ops that check their data: the next wait reads the record.
  void note_replay() { ++issued_; }

 private:
  DeviceErrorRecord* device_ = nullptr;
  DeviceErrorRecord* host_ = nullptr;  // pinned
  unsigned long long issued_ = 0;      // sequence number of the last site handed out
  unsigned long long clean_ = 0;       // issued_ when the record was last read empty
  bool read_queued_ = false;
};

}  // namespace jdnn::cuda
