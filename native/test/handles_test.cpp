// Checks tensor handles and pins (src/core/handles.h) through the facade: a tensor closed while an
// op has it pinned stays alive until the op's ApiCall ends, an op that starts after the close fails
// with "closed" (also for a stale handle whose slot was reused), double frees are refused, and
// threads racing close against ops never free memory an op is using. Run by HandlesTest; prints
// what failed and exits 1, else exits 0.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "checks.h"
#include "core/handles.h"
#include "jdnn/jdnn.h"

using namespace jdnn;

namespace {

// The message of a facade call's failure (its status, then the thread's last error), or "".
std::string failure_of(int status) { return status == 0 ? "" : last_error_message(); }

// The message of the exception f throws, or "" when it returns (tensor_ref, below the facade).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool mentions(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

int64_t vector_of(float value, int64_t n) {
  const int64_t shape[] = {n};
  int64_t h = tensor_new(static_cast<int>(DType::FLOAT32), static_cast<int>(Device::CPU), shape, 1);
  tensor_fill(h, value);
  return h;
}

void close_while_pinned_defers_the_free() {
  const int64_t before = tensor_live_handles();
  int64_t h = vector_of(3, 16);
  {
    const ApiCall call;
    Tensor& t = tensor_ref(h);
    tensor_free(h);  // another thread's close, as far as the pin can tell
    CHECK(tensor_live_handles() == before + 1);
    // The pinned tensor is still whole: new tensors cannot take its memory.
    int64_t other = vector_of(-1, 16);
    CHECK(t.data<float>()[0] == 3 && t.data<float>()[15] == 3);
    tensor_free(other);
    CHECK(mentions(error_of([&] { tensor_ref(h); }), "closed"));  // no new pins after the close
  }
  CHECK(tensor_live_handles() == before);  // the last unpin freed it
}

void closed_and_stale_handles_fail() {
  int64_t h = vector_of(1, 4);
  tensor_free(h);
  CHECK(tensor_fill(h, 2) == static_cast<int>(ErrorKind::CLOSED) && mentions(last_error_message(), "closed"));
  // The slot is reused by the next tensor; the old handle still reads as closed, not as the new tensor.
  int64_t reused = vector_of(5, 4);
  CHECK(reused != h);
  CHECK(mentions(failure_of(tensor_fill(h, 2)), "closed"));
  float out[4] = {0, 0, 0, 0};
  CHECK(tensor_read_f32_critical(h, out, 0, 4) == static_cast<int>(ErrorKind::CLOSED));
  CHECK(tensor_read_f32_critical(reused, out, 0, 4) == 0 && out[3] == 5);
  CHECK(tensor_read_f32_critical(reused, out, 2, 4) == static_cast<int>(ErrorKind::ARGUMENT) &&
        mentions(last_error_message(), "outside"));
  CHECK(last_error_kind() == static_cast<int>(ErrorKind::ARGUMENT));
  CHECK(mentions(failure_of(tensor_free(h)), "already freed"));
  CHECK(mentions(failure_of(tensor_fill(0, 1)), "null tensor handle"));
  CHECK(mentions(failure_of(tensor_fill(int64_t(1) << 40, 1)), "invalid tensor handle"));
  tensor_free(reused);
}

void pins_need_an_api_call() {
  int64_t h = vector_of(1, 1);
  CHECK(mentions(error_of([&] { tensor_ref(h); }), "outside an ApiCall"));
  tensor_free(h);
}

// One thread adds a + b into out while another closes a and b and fills new tensors of the same
// size (which would take the freed blocks): every sum is 3 or the op failed with "closed".
void racing_close_never_frees_under_an_op() {
  const int64_t n = 1 << 16, rounds = 1000;
  const int64_t before = tensor_live_handles();
  int wrong = 0, completed = 0, refused = 0;
  for (int r = 0; r < rounds; ++r) {
    int64_t a = vector_of(1, n), b = vector_of(2, n), out = vector_of(0, n);
    std::atomic<bool> ready{false}, go{false};
    std::thread closer([&] {
      ready = true;
      while (!go.load()) {}
      for (volatile int spin = 0; spin < (r % 64) * 100; ++spin) {}
      tensor_free(a);
      tensor_free(b);
      int64_t junk1 = vector_of(-100, n), junk2 = vector_of(-100, n);
      tensor_free(junk1);
      tensor_free(junk2);
    });
    while (!ready.load()) {}
    go = true;
    std::string error = failure_of(op_binary(static_cast<int>(BinaryOp::ADD), a, b, out));
    closer.join();
    if (error.empty()) {
      std::vector<float> sum(n);
      tensor_read_f32(out, sum.data(), 0, n);
      ++completed;
      for (float v : sum) {
        if (v != 3) { ++wrong; break; }
      }
    } else {
      ++refused;
      if (!mentions(error, "closed")) ++wrong;
    }
    tensor_free(out);
  }
  std::printf("race: %d ops completed, %d refused as closed, %d wrong\n", completed, refused, wrong);
  CHECK(wrong == 0);
  CHECK(completed + refused == rounds);
  CHECK(tensor_live_handles() == before);
}

}  // namespace

int main() {
  close_while_pinned_defers_the_free();
  closed_and_stale_handles_fail();
  pins_need_an_api_call();
  racing_close_never_frees_under_an_op();
  return jdnn_test::checks_summary();
}
