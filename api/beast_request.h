// The API's Request from a request Beast parsed: shared by the server and the HTTP fuzz
// target (fuzz/), so that both hand handle() exactly the same thing. Beast's message types
// are in this header: include it only where Beast is compiled anyway.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/http.h"

namespace brandledger::api {

// Method, the target's decoded path and query, header names in lower case, the body (moved
// out). False when the target is not valid percent-encoded UTF-8.
bool from_beast(boost::beast::http::request<boost::beast::http::string_body>& req,
                Request* out);

}  // namespace brandledger::api
