#include "api/problem.h"

#include <boost/json.hpp>

#include <algorithm>

namespace brandledger::api {
namespace {

std::string_view title_of(unsigned status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return status >= 500 ? "Internal Server Error" : "Error";
  }
}

}  // namespace

Response problem(unsigned status, std::string_view code, std::string_view detail,
                 std::string_view field, std::chrono::seconds retry_after) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  boost::json::object body{{"type", "https://brandledger.example/problems/" + std::string(code)},
                           {"title", title_of(status)},
                           {"status", status},
                           {"code", code},
                           {"detail", detail}};
  if (!field.empty()) body["field"] = field;  // API.md: field errors name the field
  r.body = boost::json::serialize(body);
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");  // RFC 6750
  if (status == 429 || status == 503)
    r.headers.emplace_back("Retry-After",
                           std::to_string(std::max<long long>(1, retry_after.count())));
  return r;
}

unsigned status_of(engine::RejectionKind kind) {
  using K = engine::RejectionKind;
  switch (kind) {
    case K::kInvalid: return 400;
    case K::kForbidden: return 403;
    case K::kNotFound: return 404;
    case K::kIllegalTransition:
    case K::kDuplicate: return 409;
    case K::kVersionMismatch: return 412;
    case K::kRule: return 422;
  }
  return 400;
}

Response field_problem(unsigned status, std::string_view code, std::string_view field,
                       std::string_view detail) {
  return problem(status, code, detail, field);
}

Response problem(const engine::Rejection& r) {
  return problem(status_of(r.kind), r.code, r.detail, r.field);
}

}  // namespace brandledger::api
