// Instants on the UTC timeline, at microsecond resolution, and their RFC 3339 text form.
//
// Every event carries occurred_at and recorded_at as a Timestamp; the API shows them as
// RFC 3339 UTC strings ("2026-11-22T10:00:00Z").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brandledger {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

inline std::int64_t to_micros(Timestamp t) {
  return t.time_since_epoch().count();
}
inline Timestamp from_micros(std::int64_t micros) {
  return Timestamp(std::chrono::microseconds(micros));
}

// The system clock, truncated to microseconds.
Timestamp system_now();

// "2026-11-22T10:00:00Z"; a fraction of a second is written only when there is one
// ("2026-11-22T10:00:00.250Z", trailing zeros dropped).
std::string format_rfc3339(Timestamp t);

// Parses RFC 3339 ("2026-11-22T10:00:00Z", "2026-11-22T18:00:00+08:00", with an optional
// fraction of up to 9 digits, truncated to microseconds) or a bare date ("2026-11-22",
// read as its UTC midnight). nullopt for anything else, including impossible dates.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

// The calendar year (UTC) of an instant.
int utc_year(Timestamp t);

// The same wall-clock instant `years` later (Feb 29 falls back to Feb 28).
Timestamp add_years(Timestamp t, int years);

// "2026-11-27 01:49:07": the instant in Beijing time (UTC+8 all year: the committee's time
// zone, in which people read dates and deadlines).
std::string beijing_time(Timestamp t);
// "2026年11月27日": the day of the instant in Beijing time, as a Chinese sentence writes it.
std::string beijing_date_zh(Timestamp t);

inline Timestamp add_days(Timestamp t, int days) {
  return t + std::chrono::days(days);
}

}  // namespace brandledger
