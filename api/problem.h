// Errors as application/problem+json: {"type","title","status","code","detail"}. Every
// error answer is built here, the server's own refusals (connection caps, timeouts,
// malformed requests) included.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "api/http.h"
#include "engine/command.h"

namespace brandledger::api {

// `field`: the argument at fault, for field errors ("" leaves the member out). 401 answers
// carry `WWW-Authenticate: Bearer`; 429 and 503 answers carry Retry-After (API.md):
// `retry_after`, whole seconds.
Response problem(unsigned status, std::string_view code, std::string_view detail,
                 std::string_view field = {},
                 std::chrono::seconds retry_after = std::chrono::seconds(1));

// A problem about one field of the request: the body names it, {"code":"too_long",
// "field":"comment",...} (API.md, Errors).
Response field_problem(unsigned status, std::string_view code, std::string_view field,
                       std::string_view detail);

// Under `Accept-Language` preferring Chinese (API.md): the problem's title and detail in
// Chinese, its code unchanged. Other answers are left as they are.
bool prefers_chinese(std::string_view accept_language);
void localize_problem(Response& response);
// A rejection's detail in Chinese: its own (`detail_zh`) or the sentence for its code.
std::string problem_detail_zh(std::string_view code, std::string_view detail_zh);

// 400 invalid, 403 forbidden, 404 not found, 409 illegal transition or duplicate,
// 412 version mismatch, 422 a business rule.
unsigned status_of(engine::RejectionKind kind);
// Names the rejection's field when it has one.
Response problem(const engine::Rejection& rejection);
// A command the engine could not store (CommandOutcome::error): 500 internal, 507
// insufficient_storage, 413 payload_too_large, 503 replica or unavailable.
Response command_failure(const Status& error);

}  // namespace brandledger::api
