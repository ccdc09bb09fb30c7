#include "workflows/json_fields.h"

#include <cmath>

namespace brandledger::workflows {

std::string str(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

double num(const boost::json::object& o, std::string_view key, double fallback) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return fallback;
}

Decimal dec(const boost::json::object& o, std::string_view key, Decimal fallback) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) return fallback;
  return Decimal::nearest(v->to_number<double>());
}

boost::json::value decimal_json(std::optional<Decimal> d) {
  if (!d) return nullptr;
  if (d->hundredths() % Decimal::kScale == 0) return d->hundredths() / Decimal::kScale;
  return d->to_double();
}

bool flag(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

std::optional<Timestamp> time_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return parse_rfc3339(v->as_string());
}

boost::json::value time_json(std::optional<Timestamp> t) {
  if (!t) return nullptr;
  return boost::json::string(format_rfc3339(*t));
}

std::optional<std::string> arg_string(const boost::json::object& args, std::string_view key) {
  const auto* v = args.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw ArgumentError(std::string(key), "must be a string");
  return std::string(v->as_string());
}

std::string arg_required(const boost::json::object& args, std::string_view key) {
  auto s = arg_string(args, key);
  if (!s || is_blank(*s)) throw ArgumentError(std::string(key), "is required");
  return *s;
}

std::string arg_required(const boost::json::object& args, std::string_view key,
                         std::size_t max_chars) {
  std::string s = arg_required(args, key);
  check_length(key, s, max_chars);
  return s;
}

TooLong::TooLong(std::string field, std::size_t max, std::size_t chars)
    : ArgumentError(std::move(field),
                    "is " + std::to_string(chars) + " characters long, more than the " +
                        std::to_string(max) + " allowed",
                    "too_long") {}

std::size_t char_count(std::string_view utf8) {
  std::size_t n = 0;
  for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void check_length(std::string_view field, std::string_view text, std::size_t max) {
  // Fewer bytes than the limit are fewer characters: most text never needs the count.
  if (text.size() <= max) return;
  if (const std::size_t chars = char_count(text); chars > max)
    throw TooLong(std::string(field), max, chars);
}

std::optional<bool> arg_bool(const boost::json::object& args, std::string_view key) {
  const auto* v = args.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_bool()) throw ArgumentError(std::string(key), "must be true or false");
  return v->as_bool();
}

std::optional<double> arg_number(const boost::json::object& args, std::string_view key) {
  const auto* v = args.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  double d;
  if (v->is_double())
    d = v->as_double();
  else if (v->is_int64())
    d = static_cast<double>(v->as_int64());
  else if (v->is_uint64())
    d = static_cast<double>(v->as_uint64());
  else
    throw ArgumentError(std::string(key), "must be a number");
  if (!std::isfinite(d)) throw ArgumentError(std::string(key), "must be a finite number");
  return d;
}

std::optional<Decimal> arg_decimal(const boost::json::object& args, std::string_view key,
                                   int max_decimals) {
  auto d = arg_number(args, key);
  if (!d) return std::nullopt;
  auto exact = Decimal::from_double(*d, max_decimals);
  if (!exact)
    throw ArgumentError(std::string(key), max_decimals == 0
                                              ? "must be a whole number"
                                              : "must have at most " +
                                                    std::to_string(max_decimals) + " decimals");
  return exact;
}

std::optional<std::int64_t> arg_int(const boost::json::object& args, std::string_view key) {
  auto d = arg_number(args, key);
  if (!d) return std::nullopt;
  if (std::trunc(*d) != *d || std::fabs(*d) > 9e15)
    throw ArgumentError(std::string(key), "must be a whole number");
  return static_cast<std::int64_t>(*d);
}

bool is_blank(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (s.substr(i, 3) == "\xE3\x80\x80") {  // U+3000, the ideographic space
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(id[0])) return false;
  for (char c : id)
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

std::string arg_id(const boost::json::object& args, std::string_view key) {
  std::string id = arg_required(args, key);
  if (!valid_id(id))
    throw ArgumentError(std::string(key), "must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  return id;
}

}  // namespace brandledger::workflows
