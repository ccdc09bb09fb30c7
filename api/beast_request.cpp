#include "api/beast_request.h"

#include <cctype>

namespace brandledger::api {

bool from_beast(boost::beast::http::request<boost::beast::http::string_body>& req,
                Request* out) {
  out->method = std::string(req.method_string());
  if (!parse_target(req.target(), out)) return false;
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out->headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out->body = std::move(req.body());
  return true;
}

}  // namespace brandledger::api
