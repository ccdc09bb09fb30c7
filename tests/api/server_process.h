// A real `brandledger serve` process on a temp data dir and a free loopback port, and an
// HTTP client for it (Boost.Beast, in its own translation unit).
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace brandledger::testing {

inline constexpr const char* kAdminToken = "integration-admin-token-0123456789";

class ServerProcess {
 public:
  // Starts `brandledger serve --manual-clock` on `data_dir`, with `extra_env` set in its
  // environment; waits until it listens.
  explicit ServerProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {},
                         std::vector<std::pair<std::string, std::string>> extra_env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  unsigned short port() const { return port_; }
  // SIGTERM and wait; returns the exit status (0 on a graceful stop).
  int stop();
  // SIGKILL and wait: a crash, with no chance to flush or close anything.
  void kill();
  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::string output_;
  std::filesystem::path log_;
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  boost::json::value json() const;
  std::string code() const;  // a problem's "code"
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResult http(unsigned short port, const std::string& method, const std::string& target,
                const std::string& body = "", const Headers& headers = {});

// Reads a Server-Sent Events stream until `count` events arrived or `seconds` passed;
// returns the ids seen, in order.
std::vector<std::uint64_t> sse_ids(unsigned short port, const std::string& target,
                                   const Headers& headers, std::size_t count, int seconds);
// The same, with everything the stream sent (head and all).
struct SseRead {
  std::vector<std::uint64_t> ids;
  std::string text;
};
SseRead sse_read(unsigned short port, const std::string& target, const Headers& headers,
                 std::size_t count, int seconds);

// A caller with a token.
class Client {
 public:
  // The comment a POST to a target gets when its body has none ("" for none at all).
  using CommentFor = std::function<std::string(const std::string& target)>;

  Client(unsigned short port, std::string token, CommentFor comment_for = {})
      : port_(port), token_(std::move(token)), comment_for_(std::move(comment_for)) {}
  HttpResult get(const std::string& target) const { return call("GET", target, ""); }
  // A body without "comment" gets comment_for(target), when there is one.
  HttpResult post(const std::string& target, const boost::json::value& body = boost::json::object{},
                  Headers extra = {}) const {
    if (comment_for_ && body.is_object() && !body.as_object().contains("comment"))
      if (std::string comment = comment_for_(target); !comment.empty()) {
        boost::json::object with = body.as_object();
        with["comment"] = comment;
        return call("POST", target, boost::json::serialize(with), std::move(extra));
      }
    return call("POST", target, boost::json::serialize(body), std::move(extra));
  }
  HttpResult patch(const std::string& target, const boost::json::value& body) const {
    return call("PATCH", target, boost::json::serialize(body));
  }
  HttpResult put(const std::string& target, const boost::json::value& body) const {
    return call("PUT", target, boost::json::serialize(body));
  }
  HttpResult call(const std::string& method, const std::string& target, const std::string& body,
                  Headers extra = {}) const;
  const std::string& token() const { return token_; }

 private:
  unsigned short port_;
  std::string token_;
  CommentFor comment_for_;
};

}  // namespace brandledger::testing
