// Decimal: an exact decimal number with at most two fractional digits, for scores, finals
// and assessment points (API.md: "exact decimal arithmetic ... 9.2 + 80 is 89.2").
//
// Held as a whole number of hundredths in an int64, so sums and comparisons are exact and
// there is no negative zero. JSON carries these values as numbers: to_double() gives the
// double nearest to the decimal, whose shortest round-trip text (engine/json_text.h) is the
// decimal itself ("89.2", never "89.20000000000000284" or "8.92E1").
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace brandledger {

class Decimal {
 public:
  static constexpr std::int64_t kScale = 100;  // two fractional digits

  constexpr Decimal() = default;
  static constexpr Decimal from_hundredths(std::int64_t hundredths) { return Decimal(hundredths); }
  static constexpr Decimal from_int(std::int64_t whole) { return Decimal(whole * kScale); }

  // Parses plain decimal text: an optional '-', digits, and an optional '.' with up to
  // `max_decimals` (<= 2) digits after it ("89.2", "-3", "0.05"). nullopt for anything
  // else: more digits, exponents, blanks, values out of range.
  static std::optional<Decimal> parse(std::string_view text, int max_decimals = 2);
  // The decimal a JSON number stands for: the shortest text that reads back as `value`
  // (what the client wrote, for any number written with up to 15 significant digits),
  // parsed as above. nullopt when it has more than `max_decimals` fractional digits or is
  // not finite.
  static std::optional<Decimal> from_double(double value, int max_decimals = 2);
  // The nearest hundredth, halves away from zero: for numbers stored by versions that
  // computed in binary floating point (89.00000000000001 reads as 89).
  static Decimal nearest(double value);

  constexpr std::int64_t hundredths() const { return hundredths_; }
  double to_double() const;
  std::string to_string() const;  // "89.2", "90", "-0.05": no trailing zeros

  // The mean of `values`, rounded half away from zero to hundredths. REQUIRES: non-empty.
  static Decimal mean(std::span<const Decimal> values);

  constexpr Decimal operator+(Decimal o) const { return Decimal(hundredths_ + o.hundredths_); }
  constexpr Decimal operator-(Decimal o) const { return Decimal(hundredths_ - o.hundredths_); }
  // n times this value, exactly (a count of items worth this much each).
  constexpr Decimal times(std::int64_t n) const { return Decimal(hundredths_ * n); }
  constexpr Decimal& operator+=(Decimal o) {
    hundredths_ += o.hundredths_;
    return *this;
  }
  constexpr auto operator<=>(const Decimal&) const = default;

 private:
  constexpr explicit Decimal(std::int64_t hundredths) : hundredths_(hundredths) {}
  std::int64_t hundredths_ = 0;
};

}  // namespace brandledger
