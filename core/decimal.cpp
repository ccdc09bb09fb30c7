#include "core/decimal.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace brandledger {
namespace {

// Keeps every value well inside int64 and inside the doubles that hold integers exactly.
constexpr int kMaxDigits = 15;

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view text, int max_decimals) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) return std::nullopt;
  if (static_cast<int>(fraction.size()) > max_decimals || fraction.size() > 2) return std::nullopt;
  if (whole.size() + fraction.size() > kMaxDigits) return std::nullopt;
  std::int64_t units = 0;
  for (char ch : whole) {
    if (ch < '0' || ch > '9') return std::nullopt;
    units = units * 10 + (ch - '0');
  }
  for (std::size_t i = 0; i < 2; ++i) {
    int digit = 0;
    if (i < fraction.size()) {
      if (fraction[i] < '0' || fraction[i] > '9') return std::nullopt;
      digit = fraction[i] - '0';
    }
    units = units * 10 + digit;
  }
  return Decimal(negative ? -units : units);
}

std::optional<Decimal> Decimal::from_double(double value, int max_decimals) {
  if (!std::isfinite(value)) return std::nullopt;
  char buf[32];
  // Shortest round-trip text: for a number the client wrote with up to 15 significant
  // digits, exactly what it wrote (9.2 reads back as "9.2", not 9.199999999999999289...).
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return std::nullopt;
  return parse(std::string_view(buf, static_cast<std::size_t>(end - buf)), max_decimals);
}

Decimal Decimal::nearest(double value) {
  if (!std::isfinite(value) || std::fabs(value) > 1e13) return Decimal();
  return Decimal(static_cast<std::int64_t>(std::round(value * static_cast<double>(kScale))));
}

double Decimal::to_double() const {
  // Both operands are exact, and IEEE division rounds correctly: the nearest double.
  return static_cast<double>(hundredths_) / static_cast<double>(kScale);
}

std::string Decimal::to_string() const {
  const std::int64_t magnitude = hundredths_ < 0 ? -hundredths_ : hundredths_;
  std::string out = hundredths_ < 0 ? "-" : "";
  out += std::to_string(magnitude / kScale);
  const auto cents = magnitude % kScale;
  if (cents != 0) {
    out += '.';
    out += static_cast<char>('0' + cents / 10);
    if (cents % 10 != 0) out += static_cast<char>('0' + cents % 10);
  }
  return out;
}

Decimal Decimal::mean(std::span<const Decimal> values) {
  std::int64_t sum = 0;
  for (Decimal v : values) sum += v.hundredths_;
  const auto n = static_cast<std::int64_t>(values.size());
  // Half away from zero: (2|sum| + n) / 2n, with the sign put back.
  const std::int64_t magnitude = (2 * std::llabs(sum) + n) / (2 * n);
  return Decimal(sum < 0 ? -magnitude : magnitude);
}

}  // namespace brandledger
