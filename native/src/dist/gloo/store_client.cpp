#include "dist/gloo/store_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace jdnn::dist {
namespace {

// TcpStore's protocol (its class javadoc is the specification).
constexpr int32_t kMagic = 0x4A444E53;  // "JDNS"
constexpr int32_t kVersion = 1;
constexpr uint8_t kSet = 1, kGet = 2, kWait = 4, kBye = 7;
constexpr uint8_t kOk = 0, kTimedOut = 1;

std::runtime_error failure(const std::string& what) { return std::runtime_error("rendezvous store: " + what); }

// Bounds every send and receive (and, on Linux, connect) of the socket: a store whose machine
// vanished without closing the connection fails the call instead of blocking it forever. A reply
// may take the request's own wait (at most the timeout) plus the timeout again.
void set_io_timeout(int fd, std::chrono::milliseconds timeout) {
  const int64_t ms = 2 * timeout.count() + 5000;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>(ms % 1000 * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// One connection attempt to any address of host:port; the socket, or -1 with errno's text in why.
int connect_once(const std::string& host, int port, std::chrono::milliseconds timeout, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) throw failure("cannot resolve " + host + ": " + gai_strerror(rc));
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    set_io_timeout(fd, timeout);
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      why = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

}  // namespace

StoreClient::StoreClient(const std::string& host, int port, std::chrono::milliseconds timeout)
    : where_(host + ":" + std::to_string(port)), timeout_(timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string why = "no address";
  while ((fd_ = connect_once(host, port, timeout, why)) < 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw failure("cannot reach " + where_ + " within " + std::to_string(timeout.count()) + " ms: " + why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  try {
    put_i32(kMagic);
    put_i32(kVersion);
    put_i32(-1);
    send_all(out_.data(), out_.size());
    out_.clear();
    if (get_u8("the handshake") != kOk) throw failure(where_ + " refused the handshake");
  } catch (...) {
    close(fd_);  // the destructor does not run for a constructor that throws
    fd_ = -1;
    throw;
  }
}

StoreClient::~StoreClient() {
  if (fd_ < 0) return;
  try {  // a clean goodbye; the store treats a connection of no rank the same either way
    out_.clear();
    put_u8(kBye);
    send_all(out_.data(), out_.size());
    get_u8("BYE");
  } catch (const std::exception&) {
  }
  close(fd_);
}

void StoreClient::set(const std::string& key, const std::vector<char>& data) {
  out_.clear();  // what an earlier failed request left
  put_u8(kSet);
  put_bytes(key.data(), key.size());
  put_bytes(data.data(), data.size());
  send_all(out_.data(), out_.size());
  out_.clear();
  if (get_u8("SET") != kOk) throw failure("SET " + key + " failed at " + where_);
}

std::vector<char> StoreClient::get(const std::string& key) {
  out_.clear();  // what an earlier failed request left
  put_u8(kGet);
  put_bytes(key.data(), key.size());
  put_i64(timeout_.count());
  send_all(out_.data(), out_.size());
  out_.clear();
  const uint8_t status = get_u8("GET");
  if (status == kTimedOut) {
    throw failure("key " + key + " did not appear at " + where_ + " within " + std::to_string(timeout_.count()) +
                  " ms: a rank did not arrive");
  }
  if (status != kOk) throw failure("GET " + key + " failed at " + where_);
  const int32_t n = get_i32("GET");
  if (n < 0) throw failure("GET " + key + ": negative length from " + where_);
  std::vector<char> value(static_cast<size_t>(n));
  recv_all(value.data(), value.size(), "GET");
  return value;
}

void StoreClient::wait(const std::vector<std::string>& keys) { wait(keys, timeout_); }

void StoreClient::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  out_.clear();  // what an earlier failed request left
  put_u8(kWait);
  put_i32(static_cast<int32_t>(keys.size()));
  for (const auto& k : keys) put_bytes(k.data(), k.size());
  const int64_t ms = timeout.count() > 0 ? timeout.count() : timeout_.count();
  put_i64(ms);
  send_all(out_.data(), out_.size());
  out_.clear();
  const uint8_t status = get_u8("WAIT");
  if (status == kTimedOut) {
    std::string names;
    for (const auto& k : keys) names += (names.empty() ? "" : ", ") + k;
    throw failure("keys [" + names + "] did not all appear at " + where_ + " within " + std::to_string(ms) +
                  " ms: a rank did not arrive");
  }
  if (status != kOk) throw failure("WAIT failed at " + where_);
}

void StoreClient::send_all(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t k = send(fd_, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) throw failure("lost the connection to " + where_ + ": " + std::strerror(errno));
    p += k;
    n -= static_cast<size_t>(k);
  }
}

void StoreClient::recv_all(void* data, size_t n, const char* during) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t k = recv(fd_, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k == 0) throw failure(where_ + " closed the connection during " + during + " (rank 0 exited?)");
    if (k < 0) throw failure("lost the connection to " + where_ + " during " + during + ": " + std::strerror(errno));
    p += k;
    n -= static_cast<size_t>(k);
  }
}

void StoreClient::put_u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }

void StoreClient::put_i32(int32_t v) {
  const uint32_t be = htonl(static_cast<uint32_t>(v));
  const char* p = reinterpret_cast<const char*>(&be);
  out_.insert(out_.end(), p, p + 4);
}

void StoreClient::put_i64(int64_t v) {
  put_i32(static_cast<int32_t>(static_cast<uint64_t>(v) >> 32));
  put_i32(static_cast<int32_t>(static_cast<uint64_t>(v) & 0xFFFFFFFFu));
}

void StoreClient::put_bytes(const void* data, size_t n) {
  put_i32(static_cast<int32_t>(n));
  const char* p = static_cast<const char*>(data);
  out_.insert(out_.end(), p, p + n);
}

uint8_t StoreClient::get_u8(const char* during) {
  uint8_t v = 0;
  recv_all(&v, 1, during);
  return v;
}

int32_t StoreClient::get_i32(const char* during) {
  uint32_t be = 0;
  recv_all(&be, 4, during);
  return static_cast<int32_t>(ntohl(be));
}

}  // namespace jdnn::dist
