// The only translation unit that compiles Boost.Beast.
#include "api/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "api/problem.h"

namespace brandledger::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  engine::Engine& engine;
  net::io_context ioc;
  std::unique_ptr<Api> api;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open_connections{0};

  std::mutex sessions_mutex;
  std::condition_variable sessions_cv;  // notified when the last connection closes

  Impl(ServerOptions o, engine::Engine& e, ApiOptions api_options)
      : options(std::move(o)), engine(e) {
    api = std::make_unique<Api>(
        engine, [this](std::function<void()> work) { net::post(ioc, std::move(work)); },
        std::move(api_options));
  }

  void accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    ++server_.open_connections;
  }
  ~Session() {
    if (--server_.open_connections == 0) server_.sessions_cv.notify_all();
  }

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::read, shared_from_this()));
  }

  // Called on stop: an idle connection closes now, a busy one after its answer.
  void close_when_idle() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) self->close();
    });
  }

  static void track(const std::shared_ptr<Session>& s);
  static void close_all();

 private:
  void read() {
    if (closing_) return close();
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    stream_.expires_after(server_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted)
      return close();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return write(problem(413, "payload_too_large", "the body is over the limit of 1 MiB"));
    }
    if (ec == http::error::header_limit) {
      keep_alive_ = false;
      return write(problem(431, "bad_request", "the headers are too large"));
    }
    if (ec) {
      keep_alive_ = false;
      // A malformed request gets a 400; a broken connection is just closed.
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return write(problem(400, "bad_request", ec.message()));
      return close();
    }
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    Request request;
    request.method = std::string(req.method_string());
    if (!parse_target(req.target(), &request))
      return write(
          problem(400, "bad_request", "the path or query is not valid percent-encoded UTF-8"));
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(req.body());
    request.remote = remote();
    busy_ = true;
    stream_.expires_never();  // the answer may wait on a commit
    server_.api->handle(std::move(request), [self = shared_from_this()](Response response) {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  void write(Response r) {
    if (r.sse_after) return start_events(*r.sse_after);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "BrandLedger");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_ && !closing_);
    res->prepare_payload();
    stream_.expires_after(server_.options.read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        self->busy_ = false;
                        if (ec) return self->close();
                        if (!res->keep_alive()) return self->linger();
                        self->read();
                      });
  }

  // Server-Sent Events: the headers, then the log's events as they come, until the client
  // goes away or the server stops. The body ends when the connection closes.
  void start_events(std::uint64_t after) {
    after_ = after;
    busy_ = false;
    stream_.expires_never();
    auto head = std::make_shared<std::string>(
        "HTTP/1.1 200 OK\r\nServer: BrandLedger\r\nContent-Type: "
        "text/event-stream\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\nX-Accel-Buffering: no\r\n\r\n: connected\n\n");
    net::async_write(stream_.socket(), net::buffer(*head),
                     [self = shared_from_this(), head](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->timer_.emplace(self->stream_.get_executor());
                       self->poll_events();
                     });
  }

  void poll_events() {
    if (closing_ || server_.stopping) return close();
    auto chunk = server_.api->sse_events(&after_, 500);
    if (!chunk.ok()) return close();
    if (chunk->empty() && ++idle_polls_ * server_.options.sse_poll >= std::chrono::seconds(15))
      *chunk = ": keep-alive\n\n";
    if (chunk->empty()) {
      timer_->expires_after(server_.options.sse_poll);
      timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        self->poll_events();
      });
      return;
    }
    idle_polls_ = 0;
    auto data = std::make_shared<std::string>(std::move(*chunk));
    net::async_write(stream_.socket(), net::buffer(*data),
                     [self = shared_from_this(), data](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->poll_events();
                     });
  }

  // Closes after an answer the client may still be sending into (a 413, say): stop
  // sending, drain what arrives for a moment, then close, so the kernel does not reset
  // the connection and throw the answer away before the client reads it.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    drain_ = std::make_shared<std::array<char, 16384>>();
    drain();
  }
  void drain() {
    stream_.async_read_some(net::buffer(*drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  std::string remote() const {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
  }

  void close() {
    if (timer_) timer_->cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<net::steady_timer> timer_;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool closing_ = false;
  std::uint64_t after_ = 0;
  int idle_polls_ = 0;
  std::shared_ptr<std::array<char, 16384>> drain_;
};

// The sessions alive, for a graceful stop.
std::mutex g_registry_mutex;
std::vector<std::weak_ptr<Session>> g_registry;

void Session::track(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(g_registry_mutex);
  std::erase_if(g_registry, [](const std::weak_ptr<Session>& w) { return w.expired(); });
  g_registry.push_back(s);
}

void Session::close_all() {
  std::lock_guard lock(g_registry_mutex);
  for (auto& w : g_registry)
    if (auto s = w.lock()) s->close_when_idle();
}

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping) accept();
      return;
    }
    if (open_connections >= options.max_connections) {
      // Over the cap: a short refusal rather than a silent hang.
      static const std::string kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
          "application/problem+json\r\nConnection: close\r\n"
          "Content-Length: 96\r\n\r\n"
          "{\"type\":\"about:blank\",\"title\":\"Busy\",\"status\":503,\"code\":\"unavailable\","
          "\"detail\":\"too busy\"}";
      beast::error_code ignored;
      net::write(socket, net::buffer(kBusy), ignored);
      socket.close(ignored);
    } else {
      auto session = std::make_shared<Session>(std::move(socket), *this);
      Session::track(session);
      session->start();
    }
    if (!stopping) accept();
  });
}

HttpServer::HttpServer(ServerOptions options, engine::Engine& engine, ApiOptions api_options)
    : impl_(std::make_unique<Impl>(std::move(options), engine, std::move(api_options))) {}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start() {
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.address, ec);
  if (ec) return Status::InvalidArgument("bad listen address " + impl_->options.address);
  tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::IoError("cannot listen on " + impl_->options.address + ":" +
                           std::to_string(impl_->options.port) + ": " + ec.message());
  impl_->accept();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return Status::Ok();
}

unsigned short HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::wait_for_signal() {
  net::io_context signals_ioc;
  net::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait(
      [](beast::error_code, int signal) { spdlog::info("signal {}: stopping", signal); });
  signals_ioc.run();
  stop();
}

void HttpServer::stop(std::chrono::seconds grace) {
  if (impl_->stopping.exchange(true)) return;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  Session::close_all();
  {
    std::unique_lock lock(impl_->sessions_mutex);
    impl_->sessions_cv.wait_for(lock, grace, [this] { return impl_->open_connections == 0; });
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

}  // namespace brandledger::api
