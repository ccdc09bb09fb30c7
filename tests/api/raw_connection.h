// Raw TCP connections to a server under test, for tests of the transport itself: they
// must see exactly what came over the wire (a body shorter than its Content-Length, a
// reset instead of an answer), send a request a byte at a time, or come from another
// client address. Any 127.x.y.z can be a source: Linux routes all of 127/8 to lo, so
// 127.0.0.2 is another client as far as the server can tell.
//
// Thread safety: one connection per thread; distinct connections are independent.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace brandledger::testing {

// An HTTP answer taken apart by hand.
struct RawAnswer {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// `bytes` as a status line, headers and everything after them as the body (for an answer
// the server closed the connection after); nullopt without a whole header.
std::optional<RawAnswer> parse_answer(std::string_view bytes);

class RawConnection {
 public:
  // Connects from `source` (the kernel picks the port); throws std::runtime_error when it
  // cannot within two seconds.
  explicit RawConnection(unsigned short port, const std::string& source = "127.0.0.1");
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RawConnection& operator=(RawConnection&&) = delete;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends all of `bytes` within `timeout`; false when the server closed or reset the
  // connection first, or the time ran out.
  bool send(std::string_view bytes,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

  enum class End { kClosed, kReset, kTimedOut };
  struct Received {
    std::string bytes;
    End end = End::kTimedOut;
  };
  // Reads until the server closes the connection (or resets it), or `timeout` passes.
  Received read_to_end(std::chrono::milliseconds timeout);
  // Reads one answer framed by its Content-Length, leaving the connection open; nullopt
  // when the connection ended or `timeout` passed first.
  std::optional<RawAnswer> read_answer(std::chrono::milliseconds timeout);
  // Whether bytes, a close or a reset wait to be read, within `wait`.
  bool readable(std::chrono::milliseconds wait = std::chrono::milliseconds(0));

 private:
  int fd_ = -1;
  std::string pending_;  // read past the answer read_answer returned
};

}  // namespace brandledger::testing
