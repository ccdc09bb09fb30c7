// HTTP as the API handlers see it: plain values, no sockets and no Beast, so that
// handle(request) -> response is testable on its own and only the server's translation
// unit compiles Beast.
#pragma once

#include "storage/event.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brandledger::api {

struct Request {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // decoded path without the query, "/v1/brands/b1"
  std::map<std::string, std::string> query;  // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;  // peer address, for logs

  // The first header of that (lower-case) name; empty when absent.
  std::string_view header(std::string_view name) const;
  // A query parameter; empty when absent.
  std::string param(std::string_view name) const;
};

// A file made for one answer (an export), removed from its directory when the last holder
// lets go of it; the server has it open by then, so the answer is sent whole.
struct TempFile {
  explicit TempFile(std::string file) : path(std::move(file)) {}
  ~TempFile();
  TempFile(const TempFile&) = delete;  // one owner removes it, once
  TempFile& operator=(const TempFile&) = delete;
  const std::string path;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A problem's detail in Chinese when it has particulars to say (a date, the fields
  // missing); localize_problem() puts it in the body for callers who prefer Chinese.
  std::string detail_zh;
  // Set: the body is this file's content instead (exports: written to disk row by row,
  // never held in memory whole).
  std::shared_ptr<const TempFile> body_file;
  // Set: not a body but a Server-Sent Events stream of the log after this position, of the
  // events `sse_reader` may read.
  std::optional<std::uint64_t> sse_after;
  storage::Actor sse_reader;
  // What the reader authenticated with (Authenticator's key): checked again at every poll,
  // so a stream ends when its session or token does, or its user changes.
  std::string sse_credential;
};

using Reply = std::function<void(Response)>;

// Splits "/a/b?x=1&y=%E4%B8%AD" into a Request's path and query; false when the
// percent-encoding or the UTF-8 it decodes to is invalid.
bool parse_target(std::string_view target, Request* out);
bool valid_utf8(std::string_view text);

}  // namespace brandledger::api
