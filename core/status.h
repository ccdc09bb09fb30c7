// Status and Result<T>: how every layer below the API reports failure.
//
// A Status is cheap on success (no allocation). Library and OS error codes become a Status
// in exactly one function per library (storage: status_from_lmdb). Not-found is not an
// error for lookups: they return std::optional.
//
// Thread safety: values; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace brandledger {

class Status {
 public:
  enum class Code : std::uint8_t {
    kOk,
    kNotFound,
    kCorruption,
    kInvalidArgument,
    kIoError,
    kConflict,     // an expected version did not hold
    kMapFull,      // the LMDB map (its configured map_size) is full; nothing was written
    kNoSpace,      // the disk (or quota) holding the data is full; nothing was written
    kUnsupported,  // e.g. a data dir written by a newer format
    kBusy,         // e.g. too many readers
    kInternal,     // a defect inside the server (an unexpected exception): never the caller's
    kFenced,       // another writer appended to the replicated log first: this one must stop
    kUnavailable,  // the replicated log cannot be reached or has no quorum; a write's fate unknown
    kTooLarge,     // more than a limit takes (a command's events above a replicated message)
  };

  Status() = default;

  static Status Ok() { return {}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status IoError(std::string msg) { return {Code::kIoError, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {Code::kConflict, std::move(msg)}; }
  static Status MapFull(std::string msg) { return {Code::kMapFull, std::move(msg)}; }
  static Status NoSpace(std::string msg) { return {Code::kNoSpace, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {Code::kUnsupported, std::move(msg)}; }
  static Status Busy(std::string msg) { return {Code::kBusy, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  static Status Fenced(std::string msg) { return {Code::kFenced, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status TooLarge(std::string msg) { return {Code::kTooLarge, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "corruption: event 12 hash mismatch"; "ok" on success.
  std::string to_string() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view code_name(Status::Code code);

// Either a value or the Status saying why there is none.
template <class T>
class Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}         // NOLINT: implicit
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  // REQUIRES: ok()
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  Status status() const { return ok() ? Status::Ok() : std::get<1>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace brandledger

#define BL_CONCAT_INNER(a, b) a##b
#define BL_CONCAT(a, b) BL_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not ok.
#define BL_RETURN_IF_ERROR(expr) BL_RETURN_IF_ERROR_IMPL(BL_CONCAT(bl_status_, __LINE__), expr)
#define BL_RETURN_IF_ERROR_IMPL(tmp, expr) \
  do {                                     \
    ::brandledger::Status tmp = (expr);    \
    if (!tmp.ok()) return tmp;             \
  } while (0)

// `BL_ASSIGN_OR_RETURN(auto x, f());` declares x from the Result's value, or returns its Status.
#define BL_ASSIGN_OR_RETURN(lhs, expr) \
  BL_ASSIGN_OR_RETURN_IMPL(BL_CONCAT(bl_result_, __LINE__), lhs, expr)
#define BL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
