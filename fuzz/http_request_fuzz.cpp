// libFuzzer: arbitrary bytes as an HTTP request to the API, the way the server receives
// them — Beast's parser with the server's limits, then api::from_beast and handle().
//
// Input: one byte choosing whose token is added when the request carries no Authorization
// of its own (admin, committee, unit, branch, expert, auditor, nobody), then the request,
// where "{brand}" and "{round}" stand for the fixture's ids.
// Every answer must be a status in 100..599; a problem must be problem+json with a code;
// nothing may crash, leak or hang.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/beast_request.h"
#include "fuzz/fixture.h"

namespace http = boost::beast::http;
using namespace brandledger;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  fuzz::Fixture& f = fuzz::fixture();
  const auto role = static_cast<fuzz::Role>(data[0] % fuzz::kRoles);
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(1 << 20);  // the server's limits
  parser.header_limit(16 * 1024);
  const std::string bytes =
      f.with_ids(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400 before handle()
  auto req = parser.release();
  api::Request request;
  if (!api::from_beast(req, &request)) return 0;
  request.remote = "127.0.0.1";
  if (request.header("authorization").empty() && !f.tokens[role].empty())
    request.headers.emplace_back("authorization", "Bearer " + f.tokens[role]);
  const api::Response r = f.call(std::move(request));
  if (r.status < 100 || r.status > 599) std::abort();
  if (r.status >= 400 && r.content_type == "application/problem+json") {
    auto v = boost::json::parse(r.body);
    if (!v.as_object().at("code").is_string()) std::abort();
  }
  return 0;
}
