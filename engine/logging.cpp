#include "engine/logging.h"

#include <pthread.h>

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace brandledger::engine {
namespace {

// %j: the message as the body of a JSON string.
class JsonMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            const char esc[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xF], kHex[c & 0xF]};
            dest.append(esc, esc + 6);
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessage>();
  }
};

// Text lines: UTC time to the microsecond, level, message.
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%fZ %l %v";

}  // namespace

void configure_logging(LogFormat format) {
  // Asynchronous: the engine's writer thread logs a line per command and must not wait on
  // the terminal or the disk for it. A full queue blocks rather than drops lines.
  spdlog::init_thread_pool(16384, 1);
  auto logger = std::make_shared<spdlog::async_logger>(
      "brandledger", std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::block);
  if (format == LogFormat::kJson) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessage>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%j"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_formatter(
        std::make_unique<spdlog::pattern_formatter>(kTextPattern, spdlog::pattern_time_type::utc));
  }
  spdlog::set_default_logger(std::move(logger));
}

void configure_command_line_logging() {
  auto logger = std::make_shared<spdlog::logger>("brandledger",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(kTextPattern, spdlog::pattern_time_type::utc));
  spdlog::set_default_logger(std::move(logger));
}

void stop_logging() {
  // The thread pool first: its destructor queues a stop behind every pending line and joins
  // the thread, so every line is written before any logger or sink is destroyed. (spdlog's
  // own shutdown() drops the loggers first and relies on reference counts that the pool
  // thread released inside libspdlog, where ThreadSanitizer cannot see them: it reported
  // the sink's destruction as racing the thread's last write.)
  spdlog::details::registry::instance().set_tp(nullptr);
  spdlog::shutdown();
}

bool parse_log_format(std::string_view text, LogFormat* out) {
  if (text == "text")
    *out = LogFormat::kText;
  else if (text == "json")
    *out = LogFormat::kJson;
  else
    return false;
  return true;
}

void name_this_thread(const char* name) {
  pthread_setname_np(pthread_self(), name);
}

}  // namespace brandledger::engine
