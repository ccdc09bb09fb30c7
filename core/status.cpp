#include "core/status.h"

namespace brandledger {

std::string_view code_name(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "ok";
    case Status::Code::kNotFound: return "not found";
    case Status::Code::kCorruption: return "corruption";
    case Status::Code::kInvalidArgument: return "invalid argument";
    case Status::Code::kIoError: return "I/O error";
    case Status::Code::kConflict: return "conflict";
    case Status::Code::kMapFull: return "map full";
    case Status::Code::kNoSpace: return "no space";
    case Status::Code::kUnsupported: return "unsupported";
    case Status::Code::kBusy: return "busy";
    case Status::Code::kInternal: return "internal";
    case Status::Code::kFenced: return "fenced";
    case Status::Code::kUnavailable: return "unavailable";
    case Status::Code::kTooLarge: return "too large";
  }
  return "unknown";
}

std::string Status::to_string() const {
  std::string out(code_name(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace brandledger
