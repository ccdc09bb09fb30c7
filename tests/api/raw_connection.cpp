#include "tests/api/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace brandledger::testing {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback(const std::string& address, unsigned short port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1)
    throw std::runtime_error("not an IPv4 address: " + address);
  return a;
}

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<RawAnswer> parse_answer(std::string_view bytes) {
  const auto end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos || !bytes.starts_with("HTTP/1.1 ")) return std::nullopt;
  RawAnswer a;
  a.status = static_cast<unsigned>(std::atoi(std::string(bytes.substr(9, 3)).c_str()));
  std::size_t line = bytes.find("\r\n") + 2;
  while (line < end) {
    const auto eol = bytes.find("\r\n", line);
    const std::string_view field = bytes.substr(line, eol - line);
    const auto colon = field.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      a.headers[lower(std::string(field.substr(0, colon)))] = std::string(value);
    }
    line = eol + 2;
  }
  a.body = std::string(bytes.substr(end + 4));
  return a;
}

RawConnection::RawConnection(unsigned short port, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const sockaddr_in from = loopback(source, 0);
  const sockaddr_in to = loopback("127.0.0.1", port);
  // connect() honours the send timeout: a server whose backlog is full fails the test
  // instead of hanging it.
  timeval two_seconds{2, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &two_seconds, sizeof two_seconds);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd_, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect from " + source + ": " + why);
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, millis_left(deadline)) <= 0) return false;
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

RawConnection::Received RawConnection::read_to_end(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Received r;
  r.bytes = std::move(pending_);
  pending_.clear();
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, millis_left(deadline)) <= 0) {
      r.end = End::kTimedOut;
      return r;
    }
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      r.bytes.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    r.end = n == 0 ? End::kClosed : End::kReset;
    return r;
  }
}

std::optional<RawAnswer> RawConnection::read_answer(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto head = parse_answer(pending_)) {
      const std::size_t length =
          static_cast<std::size_t>(std::atoll(head->header("content-length").c_str()));
      if (head->body.size() >= length) {
        const std::size_t consumed = pending_.size() - head->body.size() + length;
        head->body.resize(length);
        pending_.erase(0, consumed);
        return head;
      }
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, millis_left(deadline)) <= 0) return std::nullopt;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

bool RawConnection::readable(std::chrono::milliseconds wait) {
  if (!pending_.empty()) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
}

}  // namespace brandledger::testing
