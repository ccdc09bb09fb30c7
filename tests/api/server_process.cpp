#include "tests/api/server_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace brandledger::testing {
namespace {

namespace beast = boost::beast;
namespace http_ = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ServerProcess::ServerProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args,
                             std::vector<std::pair<std::string, std::string>> extra_env) {
  log_ = data_dir.string() + ".log";
  std::filesystem::remove(log_);
  std::fflush(nullptr);  // or the child writes the parent's buffered output a second time
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    setenv("BRANDLEDGER_BOOTSTRAP_TOKEN", kAdminToken, 1);
    for (const auto& [name, value] : extra_env) setenv(name.c_str(), value.c_str(), 1);
    // stdout and stderr to the log; the parent reads "listening on HOST:PORT" from it.
    FILE* log = std::freopen(log_.c_str(), "w", stdout);
    if (log == nullptr || dup2(fileno(stdout), STDERR_FILENO) < 0) _exit(120);
    std::vector<std::string> args = {BRANDLEDGER_BINARY, "serve",     "--data",
                                     data_dir.string(),  "--listen",  "127.0.0.1:0",
                                     "--manual-clock",   "--threads", "2"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(121);
  }
  // Two minutes: a server given --nats may itself wait up to 30 s for a JetStream cluster
  // to elect its leaders before it listens, and a sanitizer build starts slower. A longer
  // deadline only delays a failure; a shorter one makes one.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    output_ = read_file(log_);
    if (auto at = output_.find("listening on 127.0.0.1:"); at != std::string::npos) {
      port_ = static_cast<unsigned short>(std::stoi(output_.substr(at + 23)));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the server exited at start:\n" + output_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("the server did not start:\n" + output_);
}

ServerProcess::~ServerProcess() {
  kill();
}

void ServerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  output_ = read_file(log_);
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  output_ = read_file(log_);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

boost::json::value HttpResult::json() const {
  return boost::json::parse(body);
}

std::string HttpResult::code() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("code")) return "";
  return std::string(v.as_object().at("code").as_string());
}

HttpResult http(unsigned short port, const std::string& method, const std::string& target,
                const std::string& body, const Headers& headers) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http_::request<http_::string_body> req{http_::string_to_verb(method), target, 11};
  req.set(http_::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty()) req.set(http_::field::content_type, "application/json");
  req.prepare_payload();
  // The server may answer (413, say) before the whole body is sent: read the answer anyway.
  beast::error_code write_error;
  http_::write(stream, req, write_error);
  beast::flat_buffer buffer;
  http_::response_parser<http_::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http_::read(stream, buffer, parser);
  auto res = parser.release();
  HttpResult out;
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

HttpResult Client::call(const std::string& method, const std::string& target,
                        const std::string& body, Headers extra) const {
  extra.emplace_back("Authorization", "Bearer " + token_);
  return http(port_, method, target, body, extra);
}

std::vector<std::uint64_t> sse_ids(unsigned short port, const std::string& target,
                                   const Headers& headers, std::size_t count, int seconds) {
  return sse_read(port, target, headers, count, seconds).ids;
}

SseRead sse_read(unsigned short port, const std::string& target, const Headers& headers,
                 std::size_t count, int seconds) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  request += "\r\n";
  net::write(socket, net::buffer(request));
  std::vector<std::uint64_t> ids;
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  socket.non_blocking(true);
  while (ids.size() < count && std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    beast::error_code ec;
    const std::size_t n = socket.read_some(net::buffer(buf), ec);
    if (ec == net::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (ec) break;
    text.append(buf, n);
    // Count complete events ("id: N" lines followed by a blank line).
    ids.clear();
    std::size_t pos = 0;
    while ((pos = text.find("\nid: ", pos)) != std::string::npos) {
      const std::size_t end = text.find('\n', pos + 5);
      if (end == std::string::npos || text.find("\n\n", end) == std::string::npos) break;
      ids.push_back(std::stoull(text.substr(pos + 5, end - pos - 5)));
      pos = end;
    }
  }
  if (ids.size() > count) ids.resize(count);
  return {ids, text};
}

}  // namespace brandledger::testing
