// Facade: communicators of distributed jobs (core/communicator.h). A communicator is a handle like a
// tensor's: an index into a table owned here, never a pointer. Java runs one collective at a time per
// communicator (its ProcessGroup's worker thread); the table's lock only guards opening, lookup and
// closing, and a communicator closed during a call is destroyed when that call returns.
#include <dlfcn.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/api/checks.h"
#include "core/backend.h"
#include "core/codes.h"
#include "core/communicator.h"
#include "core/error.h"
#include "core/status.h"

namespace jdnn {

const char* collective_op_name(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::SUM: return "sum";
    case CollectiveOp::AVG: return "avg";
    case CollectiveOp::MAX: return "max";
  }
  return "?";
}

namespace {

std::mutex g_mutex;
std::unordered_map<int64_t, std::shared_ptr<Communicator>> g_open;  // guarded by g_mutex
int64_t g_next = 1;                                                  // guarded by g_mutex

std::shared_ptr<Communicator> communicator_ref(int64_t handle) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const auto it = g_open.find(handle);
  JDNN_CHECK_AS(ErrorKind::CLOSED, it != g_open.end(), "communicator ", handle, " is closed");
  return it->second;
}

CollectiveOp op_of(int code) {
  JDNN_CHECK(code >= 0 && code <= static_cast<int>(CollectiveOp::MAX), "collective: unknown reduction code ", code);
  return static_cast<CollectiveOp>(code);
}

// libjdnn_gloo's entry point, the library opened once per process (RTLD_LOCAL: Gloo's symbols stay
// private; its NEEDED libjdnn.so resolves to this copy).
GlooOpen gloo_entry(const char* library_path) {
  static std::mutex mutex;
  static GlooOpen entry = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (entry != nullptr) return entry;
  JDNN_CHECK(library_path != nullptr && *library_path != '\0', "dist_gloo_open: no library path");
  void* handle = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    const std::string text = why != nullptr ? why : "unknown dlopen error";
    if (text.find("libgloo") != std::string::npos) {
      fail_as(ErrorKind::COMMUNICATION, "cannot load jdnn's Gloo engine: ", text,
              ". The Gloo library is missing: install it (Debian/Ubuntu: apt-get install libgloo0)");
    }
    fail_as(ErrorKind::COMMUNICATION, "cannot load jdnn's Gloo engine ", library_path, ": ", text);
  }
  entry = reinterpret_cast<GlooOpen>(dlsym(handle, "jdnn_gloo_open"));
  JDNN_CHECK_AS(ErrorKind::INTERNAL, entry != nullptr, "the library ", library_path,
                " is not jdnn's Gloo engine (no jdnn_gloo_open)");
  return entry;
}

void require_device(const char* op, const Communicator& c, const Tensor& t) {
  JDNN_CHECK(t.device == c.device(), op, ": ", t.describe(), " cannot go through the ", c.engine(),
             " communicator, which carries ", device_name(c.device()), " tensors");
}

int64_t add(Communicator* c) {
  std::shared_ptr<Communicator> owned(c);
  std::lock_guard<std::mutex> lock(g_mutex);
  const int64_t handle = g_next++;
  g_open.emplace(handle, std::move(owned));
  return handle;
}

}  // namespace

int64_t dist_gloo_open(const char* library_path, int rank, int size, const char* store_host, int store_port,
                       const char* prefix, const char* hostname, const char* iface, int64_t timeout_ms) noexcept {
  return value_or<int64_t>(0, [&] {
    JDNN_CHECK(size >= 1 && rank >= 0 && rank < size, "dist_gloo_open: rank ", rank, " outside [0, ", size, ")");
    JDNN_CHECK(store_host != nullptr && prefix != nullptr && hostname != nullptr && iface != nullptr,
               "dist_gloo_open: null string");
    JDNN_CHECK(timeout_ms > 0, "dist_gloo_open: timeout ", timeout_ms, " ms");
    const GlooOpen open = gloo_entry(library_path);
    const GlooSettings settings{rank, size, store_host, store_port, prefix, hostname, iface, timeout_ms};
    Communicator* c = nullptr;
    char message[2048] = {0};
    const int status = open(&settings, &c, message, sizeof(message));
    if (status != 0 || c == nullptr) {
      const bool known = status > 0 && status <= static_cast<int>(ErrorKind::COMMUNICATION);
      fail_as(known ? static_cast<ErrorKind>(status) : ErrorKind::COMMUNICATION,
              message[0] != '\0' ? message : "Gloo failed to connect the group");
    }
    return add(c);
  });
}

int64_t dist_device_unique_id(int device, uint8_t* out, int64_t capacity) noexcept {
  return value_or<int64_t>(-1, [&] {
    const std::string id = backend_for(device_of(device)).collective_unique_id();
    JDNN_CHECK(out != nullptr && capacity >= static_cast<int64_t>(id.size()), "dist_device_unique_id: the buffer holds ",
               capacity, " bytes, the id has ", id.size());
    std::memcpy(out, id.data(), id.size());
    return static_cast<int64_t>(id.size());
  });
}

int64_t dist_device_open(int device, int rank, int size, const uint8_t* id, int64_t id_bytes,
                         int64_t timeout_ms) noexcept {
  return value_or<int64_t>(0, [&] {
    JDNN_CHECK(size >= 1 && rank >= 0 && rank < size, "dist_device_open: rank ", rank, " outside [0, ", size, ")");
    JDNN_CHECK(id != nullptr && id_bytes > 0, "dist_device_open: no group id");
    JDNN_CHECK(timeout_ms > 0, "dist_device_open: timeout ", timeout_ms, " ms");
    const std::string key(reinterpret_cast<const char*>(id), static_cast<size_t>(id_bytes));
    return add(backend_for(device_of(device)).open_communicator(rank, size, key, timeout_ms));
  });
}

const char* dist_device_engine(int device) noexcept {
  thread_local std::string text;
  return value_or<const char*>(nullptr, [&] {
    text = backend_for(device_of(device)).collective_engine();
    return text.c_str();
  });
}

int dist_close(int64_t comm) noexcept {
  return status_of([&] {
    std::shared_ptr<Communicator> closing;
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      const auto it = g_open.find(comm);
      JDNN_CHECK_AS(ErrorKind::CLOSED, it != g_open.end(), "communicator ", comm, " is closed");
      closing = std::move(it->second);
      g_open.erase(it);
    }
    // closing's last reference (here, or in a call still running) destroys the engine's state.
  });
}

int dist_all_reduce(int64_t comm, int64_t t, int op, int64_t timeout_ms) noexcept {
  return status_of([&] {
    const auto c = communicator_ref(comm);
    Tensor& x = tensor_ref(t);
    require_device("all_reduce", *c, x);
    c->all_reduce(x, op_of(op), timeout_ms);
  });
}

int dist_broadcast(int64_t comm, int64_t t, int root, int64_t timeout_ms) noexcept {
  return status_of([&] {
    const auto c = communicator_ref(comm);
    JDNN_CHECK(root >= 0 && root < c->size(), "broadcast: root ", root, " outside [0, ", c->size(), ")");
    Tensor& x = tensor_ref(t);
    require_device("broadcast", *c, x);
    c->broadcast(x, root, timeout_ms);
  });
}

int dist_all_gather(int64_t comm, int64_t in, int64_t out, int64_t timeout_ms) noexcept {
  return status_of([&] {
    const auto c = communicator_ref(comm);
    const Tensor& x = tensor_ref(in);
    Tensor& y = tensor_ref(out);
    require_like("all_gather", x, y);
    require_device("all_gather", *c, x);
    JDNN_CHECK(y.numel == x.numel * c->size(), "all_gather: output ", y.describe(), " must hold ", c->size(),
               " x ", x.numel, " elements");
    c->all_gather(x, y, timeout_ms);
  });
}

int dist_reduce_scatter(int64_t comm, int64_t in, int64_t out, int op, int64_t timeout_ms) noexcept {
  return status_of([&] {
    const auto c = communicator_ref(comm);
    const Tensor& x = tensor_ref(in);
    Tensor& y = tensor_ref(out);
    require_like("reduce_scatter", x, y);
    require_device("reduce_scatter", *c, x);
    JDNN_CHECK(x.numel == y.numel * c->size(), "reduce_scatter: input ", x.describe(), " must hold ", c->size(),
               " x ", y.numel, " elements");
    c->reduce_scatter(x, y, op_of(op), timeout_ms);
  });
}

int dist_barrier(int64_t comm, int64_t timeout_ms) noexcept {
  return status_of([&] { communicator_ref(comm)->barrier(timeout_ms); });
}

}  // namespace jdnn
