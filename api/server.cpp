// The server: sockets, TLS, deadlines and connection caps (Boost.Beast and Asio).
#include "api/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/beast_request.h"
#include "api/problem.h"

namespace brandledger::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Connection;

// Refused connections lingering at once (each for up to kRefusalLinger) to hand over their
// 503; past this, under a flood of connections, a refused one is closed without an answer
// rather than hold another descriptor.
constexpr std::size_t kMaxLingeringRefusals = 256;
constexpr std::chrono::seconds kRefusalLinger{1};
// After an answer the client may still be sending into (a 413, a 408).
constexpr std::chrono::seconds kAnswerLinger{2};

// A Response's status and head on Beast's message.
template <class Body>
void set_head(http::response<Body>& m, const Response& r, bool keep_alive) {
  m.result(static_cast<http::status>(r.status));
  m.version(11);
  m.set(http::field::server, "BrandLedger");
  m.set(http::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) m.set(k, v);
  m.keep_alive(keep_alive);
}

// A Response as Beast's message. `framed`: with a Content-Length; an event stream has
// none, its body ending when the connection closes.
http::response<http::string_body> to_message(Response r, bool keep_alive, bool framed = true) {
  http::response<http::string_body> m;
  set_head(m, r, keep_alive);
  m.body() = std::move(r.body);
  if (framed) m.prepare_payload();
  return m;
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  engine::Engine& engine;
  // SIGINT and SIGTERM, caught from catch_stop_signals() on (a signal before then would
  // kill the process outright), waited for by wait_for_signal().
  net::io_context signals_ioc;
  std::optional<net::signal_set> signals;

  // What a session touches as it is destroyed (Slot, below). All of it is declared before
  // the io_context: members are destroyed in reverse order, and destroying the io_context
  // destroys the handlers still queued in it, and with them the sessions they hold (those
  // whose answers a stop's grace did not wait for).
  std::mutex sessions_mutex;
  std::condition_variable sessions_cv;  // notified when the last session is gone
  // Guarded by sessions_mutex:
  std::size_t admitted = 0;  // connections served, against max_connections
  std::size_t refusing = 0;  // refused connections handing over their 503
  std::map<net::ip::address, std::size_t> admitted_from;  // against max_connections_per_address
  std::list<std::weak_ptr<Connection>> sessions;          // every session alive, for stop()
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> last_refusal_log{0};  // steady clock seconds; the log's rate limit

  net::io_context ioc;
  // Keeps the threads running while every session left waits on the engine (a stop has
  // closed the acceptor and the idle connections): run() would return, and their answers,
  // posted later, would never be written.
  net::executor_work_guard<net::io_context::executor_type> keep_running{ioc.get_executor()};
  // After the io_context: ~Api waits for its worker, whose last act posts an answer to it.
  std::unique_ptr<Api> api;
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_pause{ioc};
  std::vector<std::thread> threads;
  // Set when serving HTTPS (--tls-cert, --tls-key): every connection speaks TLS.
  std::optional<net::ssl::context> tls;

  Impl(ServerOptions o, engine::Engine& e, ApiOptions api_options)
      : options(std::move(o)), engine(e) {
    api = std::make_unique<Api>(
        engine, [this](std::function<void()> work) { net::post(ioc, std::move(work)); },
        std::move(api_options));
  }

  void accept();
  void admit(tcp::socket socket);
  Status load_tls();
  void close_all();
  void log_refusal(const net::ip::address& peer);
};

namespace {

// A session's share of the server's counts. It is the session's first member, so it is
// destroyed last, after the socket and the timers: once stop() sees no session left,
// nothing of any session touches the server again. The count goes down under the mutex,
// so that stop() cannot miss the notification between testing the count and waiting.
class Slot {
 public:
  // REQUIRES: server.sessions_mutex held.
  Slot(HttpServer::Impl& server, net::ip::address peer, bool admitted)
      : server_(server), peer_(std::move(peer)), admitted_(admitted) {
    if (admitted_) {
      ++server_.admitted;
      ++server_.admitted_from[peer_];
    } else {
      ++server_.refusing;
    }
  }
  ~Slot() {
    std::lock_guard lock(server_.sessions_mutex);
    if (registered_) server_.sessions.erase(entry_);
    if (admitted_) {
      --server_.admitted;
      if (auto it = server_.admitted_from.find(peer_); it != server_.admitted_from.end())
        if (--it->second == 0) server_.admitted_from.erase(it);
    } else {
      --server_.refusing;
    }
    if (server_.admitted + server_.refusing == 0) server_.sessions_cv.notify_all();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  // REQUIRES: server.sessions_mutex held.
  void track(const std::shared_ptr<Connection>& session) {
    entry_ = server_.sessions.insert(server_.sessions.end(), session);
    registered_ = true;
  }
  const net::ip::address& peer() const { return peer_; }

 private:
  HttpServer::Impl& server_;
  net::ip::address peer_;
  bool admitted_;
  bool registered_ = false;
  std::list<std::weak_ptr<Connection>>::iterator entry_;
};

// What the server holds of a connection, whichever stream it speaks over.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Slot& slot() = 0;
  // Serves requests until the client goes, a deadline passes or the server stops.
  virtual void start() = 0;
  // Answers `refusal` before reading anything, then closes.
  virtual void refuse(Response refusal) = 0;
  // Called on stop: an idle connection closes now, a busy one after its answer.
  virtual void close_when_idle() = 0;
};

// Plain TCP, or TLS over it (Beast's ssl_stream on OpenSSL). Deadlines, shutdowns and
// draining work on the TCP layer underneath either.
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection, on its strand. Reading a request has three deadlines: the idle one until
// its first byte (a kept-alive connection that times out there is closed without a word),
// then one for the whole header and one for the whole body (a request that misses either
// is answered 408). They run on a timer of their own that cancels the read, rather than
// tcp_stream's, which would close the socket before the 408 could be written.
template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // REQUIRES: server.sessions_mutex held (the slot counts itself in).
  Session(tcp::socket socket, HttpServer::Impl& server, net::ip::address peer, bool admitted)
      : slot_(server, std::move(peer), admitted),
        stream_(make_stream(std::move(socket), server)),
        server_(server),
        deadline_(stream_.get_executor()) {}

  Slot& slot() override { return slot_; }

  void start() override {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::handshake, this->shared_from_this()));
  }

  void refuse(Response refusal) override {
    net::dispatch(stream_.get_executor(),
                  [self = this->shared_from_this(), refusal = std::move(refusal)]() mutable {
                    self->keep_alive_ = false;
                    self->linger_for_ = kRefusalLinger;
                    if constexpr (kTls) {
                      // The refusal is written in TLS too, once the client has said hello.
                      self->lowest().expires_after(kRefusalLinger);
                      self->stream_.async_handshake(
                          net::ssl::stream_base::server,
                          [self, refusal = std::move(refusal)](beast::error_code ec) mutable {
                            self->lowest().expires_never();
                            if (ec) return self->close();
                            self->write(std::move(refusal));
                          });
                    } else {
                      self->write(std::move(refusal));
                    }
                  });
  }

  void close_when_idle() override {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) self->close();
    });
  }

 private:
  enum class Phase { kIdle, kHeader, kBody };

  static Stream make_stream(tcp::socket socket, HttpServer::Impl& server) {
    if constexpr (kTls)
      return Stream(std::move(socket), *server.tls);
    else
      return Stream(std::move(socket));
  }
  // The TCP layer: deadlines, shutdown, close.
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // TLS first (within the header deadline: a client that opens a connection and says
  // nothing holds it no longer than one that trickles a header); plain TCP reads at once.
  void handshake() {
    if constexpr (kTls) {
      lowest().expires_after(server_.options.header_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                self->lowest().expires_never();
                                if (ec) return self->close();  // not TLS, or gave up: no answer
                                self->read();
                              });
    } else {
      read();
    }
  }

  void read() {
    if (closing_) return close();
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    lowest().expires_never();
    if (buffer_.size() > 0) return read_header();  // the next request came with the last
    arm(Phase::kIdle, server_.options.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(4096),
        beast::bind_front_handler(&Session::on_first_bytes, this->shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    // Nothing of a request arrived: the client left, the idle deadline passed, or the
    // server is stopping. No answer is owed.
    if (ec) return close();
    buffer_.commit(n);
    read_header();
  }

  void read_header() {
    arm(Phase::kHeader, server_.options.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    arm(Phase::kBody, server_.options.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  // The server's own refusal of a request it could not read whole: in Chinese when the
  // header fields read so far prefer it (API.md), as the Api's answers are. (A body over
  // the limit is found as the header ends, before the parser calls the header done.)
  void answer_unread(Response r) {
    if (parser_ && prefers_chinese(parser_->get()[http::field::accept_language]))
      localize_problem(r);
    write(std::move(r));
  }

  void on_read_error(beast::error_code ec) {
    disarm();
    keep_alive_ = false;
    if (timed_out_) {
      const bool header = phase_ == Phase::kHeader;
      const auto limit = header ? server_.options.header_timeout : server_.options.body_timeout;
      return answer_unread(problem(408, "request_timeout",
                           std::string(header ? "the request header" : "the request body") +
                               " did not arrive within " + std::to_string(limit.count()) +
                               " seconds"));
    }
    if (ec == http::error::body_limit)
      return answer_unread(problem(413, "payload_too_large", "the body is over the limit of 1 MiB"));
    if (ec == http::error::header_limit)
      return answer_unread(problem(431, "bad_request", "the headers are too large"));
    // A malformed request gets a 400; a broken or abandoned connection is just closed.
    if (ec != http::error::end_of_stream && ec != http::error::partial_message &&
        ec.category() == http::make_error_code(http::error::bad_target).category())
      return answer_unread(problem(400, "bad_request", ec.message()));
    close();
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    disarm();
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    Request request;
    if (!from_beast(req, &request))
      return write(
          problem(400, "bad_request", "the path or query is not valid percent-encoded UTF-8"));
    request.remote = slot_.peer().to_string();
    busy_ = true;
    server_.api->handle(std::move(request), [self = this->shared_from_this()](Response response) {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  // The deadline of a phase of reading. When it passes, the read is cancelled and its
  // handler finds timed_out_ set. A wait that was already due when re-armed finds the
  // expiry moved on and does nothing.
  void arm(Phase phase, std::chrono::steady_clock::duration limit) {
    phase_ = phase;
    timed_out_ = false;
    deadline_.expires_after(limit);
    deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->deadline_.expiry() > net::steady_timer::clock_type::now()) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->lowest().socket().cancel(ignored);
    });
  }
  void disarm() { deadline_.expires_at(net::steady_timer::time_point::max()); }

  void write(Response r) {
    // Served over TLS, every answer tells the browser to come back only over TLS (RFC 6797).
    if constexpr (kTls)
      r.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
    if (r.sse_after) return start_events(std::move(r));
    if (r.body_file) return write_file(std::move(r));
    auto res = std::make_shared<http::response<http::string_body>>(
        to_message(std::move(r), keep_alive_ && !closing_));
    lowest().expires_after(server_.options.write_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        self->busy_ = false;
                        if (ec) return self->close();
                        if (!res->keep_alive()) return self->linger();
                        self->read();
                      });
  }

  // An answer whose body is a file (an export, possibly large): sent piece by piece, the
  // write timeout counting from each piece, so a slow reader gets the whole file and one
  // that stops reading is dropped.
  void write_file(Response r) {
    using FileMessage = http::response<http::file_body>;
    struct Sending {
      FileMessage message;
      // Made once the message is whole: a serializer reads its head and body as they are.
      std::optional<http::response_serializer<http::file_body>> serializer;
    };
    auto sending = std::make_shared<Sending>();
    set_head(sending->message, r, keep_alive_ && !closing_);
    beast::error_code ec;
    sending->message.body().open(r.body_file->path.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      spdlog::error("cannot send the file {}: {}", r.body_file->path, ec.message());
      return write(problem(500, "internal", "the file made for this answer could not be read"));
    }
    r.body_file.reset();  // gone from the directory; the open descriptor reads it whole
    sending->message.prepare_payload();
    sending->serializer.emplace(sending->message);
    write_piece(std::move(sending));
  }
  template <class Sending>
  void write_piece(std::shared_ptr<Sending> sending) {
    lowest().expires_after(server_.options.write_timeout);
    http::async_write_some(
        stream_, *sending->serializer,
        [self = this->shared_from_this(), sending](beast::error_code ec, std::size_t) {
          if (ec) {
            self->busy_ = false;
            return self->close();
          }
          if (!sending->serializer->is_done()) return self->write_piece(sending);
          self->busy_ = false;
          if (!sending->message.keep_alive()) return self->linger();
          self->read();
        });
  }

  // Server-Sent Events: the head (the Api's, with no Content-Length), then the log's
  // events as they come, until the client goes away or the server stops.
  void start_events(Response r) {
    after_ = *r.sse_after;
    reader_ = r.sse_reader;
    credential_ = r.sse_credential;
    busy_ = false;
    r.body = ": connected\n\n";
    auto head = std::make_shared<http::response<http::string_body>>(
        to_message(std::move(r), /*keep_alive=*/false, /*framed=*/false));
    lowest().expires_after(server_.options.write_timeout);
    http::async_write(stream_, *head,
                      [self = this->shared_from_this(), head](beast::error_code ec, std::size_t) {
                        self->lowest().expires_never();
                        if (ec) return self->close();
                        self->timer_.emplace(self->stream_.get_executor());
                        self->poll_events();
                      });
  }

  void poll_events() {
    if (closing_ || server_.stopping) return close();
    auto chunk = server_.api->sse_events(reader_, credential_, &after_, 500);
    if (!chunk.ok()) return close();
    if (chunk->empty() && ++idle_polls_ * server_.options.sse_poll >= std::chrono::seconds(15))
      *chunk = ": keep-alive\n\n";
    if (chunk->empty()) {
      timer_->expires_after(server_.options.sse_poll);
      timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        self->poll_events();
      });
      return;
    }
    idle_polls_ = 0;
    auto data = std::make_shared<std::string>(std::move(*chunk));
    // A client that stops reading its stream is cut off like one that stops reading an answer.
    lowest().expires_after(server_.options.write_timeout);
    net::async_write(stream_, net::buffer(*data),
                     [self = this->shared_from_this(), data](beast::error_code ec, std::size_t) {
                       self->lowest().expires_never();
                       if (ec) return self->close();
                       self->poll_events();
                     });
  }

  // Closes after an answer the client may still be sending into (a 413, a 408, a refusal):
  // stop sending, drain what arrives for a moment, then close, so the kernel does not reset
  // the connection and throw the answer away, or fail the client's write, before the
  // client reads it.
  void linger() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest().expires_after(linger_for_);
    drain_ = std::make_shared<std::array<char, 16384>>();
    drain();
  }
  void drain() {
    lowest().async_read_some(net::buffer(*drain_),  // raw bytes: nothing to decrypt
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  void close() {
    if (timer_) timer_->cancel();
    disarm();
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }

  Slot slot_;  // first: destroyed last
  Stream stream_;
  HttpServer::Impl& server_;
  net::steady_timer deadline_;
  Phase phase_ = Phase::kIdle;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<net::steady_timer> timer_;  // the event stream's polls
  bool keep_alive_ = true;
  bool busy_ = false;
  bool closing_ = false;
  std::chrono::seconds linger_for_ = kAnswerLinger;
  std::uint64_t after_ = 0;
  storage::Actor reader_;  // whose events the stream carries
  std::string credential_;  // what the reader came in with, checked at every poll
  int idle_polls_ = 0;
  std::shared_ptr<std::array<char, 16384>> drain_;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (ec) {
      // Out of descriptors, say: accepting again at once would fail again at once and spin.
      // The backlog holds the waiting clients meanwhile.
      spdlog::warn("accept: {}", ec.message());
      accept_pause.expires_after(std::chrono::milliseconds(50));
      accept_pause.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && !stopping) accept();
      });
      return;
    }
    admit(std::move(socket));
    accept();
  });
}

// Admits the connection, or answers it 503 when the server or its client address is at
// its cap.
void HttpServer::Impl::admit(tcp::socket socket) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  std::optional<Response> refusal;
  std::shared_ptr<Connection> session;
  {
    std::lock_guard lock(sessions_mutex);
    // Checked under the mutex close_all() takes after setting it: a session admitted here
    // is either seen by close_all() or not created at all.
    if (stopping) return;
    if (admitted >= options.max_connections) {
      refusal = problem(503, "unavailable",
                        "the server has as many connections open as it takes (" +
                            std::to_string(options.max_connections) + "); try again shortly");
    } else if (auto it = admitted_from.find(peer.address());
               it != admitted_from.end() && it->second >= options.max_connections_per_address) {
      refusal = problem(503, "too_many_connections",
                        "this client address has as many connections open as one address may (" +
                            std::to_string(options.max_connections_per_address) +
                            "); close some or try again shortly");
    }
    if (refusal && refusing >= kMaxLingeringRefusals) return;  // closed without an answer
    if (tls)
      session = std::make_shared<Session<TlsStream>>(std::move(socket), *this, peer.address(), !refusal);
    else
      session = std::make_shared<Session<PlainStream>>(std::move(socket), *this, peer.address(), !refusal);
    session->slot().track(session);
  }
  if (!refusal) return session->start();
  log_refusal(peer.address());
  session->refuse(std::move(*refusal));
}

// A flood of refusals must not flood the log: one line per ten seconds at most.
void HttpServer::Impl::log_refusal(const net::ip::address& peer) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_refusal_log;
  if (now - last < 10 || !last_refusal_log.compare_exchange_strong(last, now)) return;
  spdlog::warn("refusing connections: at a connection cap (last from {}; max {}, {} per address)",
               peer.to_string(), options.max_connections, options.max_connections_per_address);
}

void HttpServer::Impl::close_all() {
  // Told outside the mutex: the last reference to a session may be one of these, and its
  // slot takes the mutex as the session goes.
  std::vector<std::shared_ptr<Connection>> alive;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& w : sessions)
      if (auto s = w.lock()) alive.push_back(std::move(s));
  }
  for (auto& s : alive) s->close_when_idle();
}

// TLS 1.2 and 1.3 only, forward-secret AEAD suites for 1.2 (Mozilla's "intermediate"
// configuration; 1.3's suites are all of that kind), no compression, no renegotiation.
Status HttpServer::Impl::load_tls() {
  if (options.tls_cert.empty() && options.tls_key.empty()) return Status::Ok();
  if (options.tls_cert.empty() || options.tls_key.empty())
    return Status::InvalidArgument("--tls-cert and --tls-key go together");
  tls.emplace(net::ssl::context::tls_server);
  tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                   net::ssl::context::no_tlsv1_1 | net::ssl::context::no_compression |
                   net::ssl::context::single_dh_use);
  SSL_CTX* ctx = tls->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_cipher_list(ctx,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  beast::error_code ec;
  tls->use_certificate_chain_file(options.tls_cert, ec);
  if (ec) return Status::InvalidArgument("--tls-cert " + options.tls_cert + ": " + ec.message());
  tls->use_private_key_file(options.tls_key, net::ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("--tls-key " + options.tls_key + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx) != 1)
    return Status::InvalidArgument("--tls-key does not belong to the certificate in --tls-cert");
  return Status::Ok();
}

HttpServer::HttpServer(ServerOptions options, engine::Engine& engine, ApiOptions api_options)
    : impl_(std::make_unique<Impl>(std::move(options), engine, std::move(api_options))) {}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start() {
  BL_RETURN_IF_ERROR(impl_->load_tls());
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

void HttpServer::catch_stop_signals() {
  if (!impl_->signals) impl_->signals.emplace(impl_->signals_ioc, SIGINT, SIGTERM);
}

void HttpServer::wait_for_signal() {
  catch_stop_signals();
  impl_->signals->async_wait(
      [](beast::error_code, int signal) { spdlog::info("signal {}: stopping", signal); });
  impl_->signals_ioc.run();
  stop();
}

void HttpServer::stop(std::chrono::seconds grace) {
  if (impl_->stopping.exchange(true)) return;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->accept_pause.cancel();
  });
  impl_->close_all();
  {
    std::unique_lock lock(impl_->sessions_mutex);
    if (!impl_->sessions_cv.wait_for(lock, grace,
                                     [this] { return impl_->admitted + impl_->refusing == 0; }))
      spdlog::warn("stop: {} connections still busy after {} s; abandoning them", impl_->admitted,
                   grace.count());
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

}  // namespace brandledger::api
