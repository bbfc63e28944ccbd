// Gloo's view of jdnn's rendezvous store: a gloo::rendezvous::Store speaking the wire protocol of
// org.jdnn.distributed.TcpStore (hosted by rank 0) over one TCP connection of its own. Gloo uses it
// only while connecting its full mesh (each rank publishes its listener's address and reads the
// others'), so requests are few and blocking ones carry the group's timeout.
#pragma once
#include <gloo/rendezvous/store.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace jdnn::dist {

class StoreClient : public gloo::rendezvous::Store {
 public:
  // Connects (retrying until timeout: rank 0 may still be starting) and sends the handshake as a
  // connection of no rank (-1: its end is not a rank's death). Throws std::runtime_error with what failed.
  StoreClient(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~StoreClient() override;
  StoreClient(const StoreClient&) = delete;
  StoreClient& operator=(const StoreClient&) = delete;

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  void send_all(const void* data, size_t n);
  void recv_all(void* data, size_t n, const char* during);
  void put_u8(uint8_t v);
  void put_i32(int32_t v);
  void put_i64(int64_t v);
  void put_bytes(const void* data, size_t n);
  uint8_t get_u8(const char* during);
  int32_t get_i32(const char* during);

  std::string where_;  // "host:port", for messages
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::vector<char> out_;  // one request, sent whole
};

}  // namespace jdnn::dist
