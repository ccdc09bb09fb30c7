#include "core/time.h"

#include <cstdio>

namespace brandledger {
namespace {

using namespace std::chrono;

bool take_digits(std::string_view& s, int n, int* out) {
  if (static_cast<int>(s.size()) < n) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  s.remove_prefix(static_cast<std::size_t>(n));
  *out = v;
  return true;
}

bool take_char(std::string_view& s, char a, char b = '\0') {
  if (s.empty() || (s.front() != a && (b == '\0' || s.front() != b))) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

Timestamp system_now() {
  return floor<microseconds>(system_clock::now());
}

std::string format_rfc3339(Timestamp t) {
  // Digit by digit rather than snprintf: every document and audit line carries several
  // instants, and this runs on the writer thread.
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> tod{t - day};
  char buf[40];
  char* p = buf;
  auto digits = [&p](long long v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  const int year = static_cast<int>(ymd.year());
  if (year >= 0 && year <= 9999)
    digits(year, 4);
  else  // beyond RFC 3339's four digits: written out in full, as printf would
    p += std::snprintf(p, 8, "%04d", year);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  digits(tod.hours().count(), 2);
  *p++ = ':';
  digits(tod.minutes().count(), 2);
  *p++ = ':';
  digits(tod.seconds().count(), 2);
  if (long long frac = tod.subseconds().count(); frac != 0) {
    int width = 6;
    while (frac % 10 == 0) {  // no trailing zeros
      frac /= 10;
      --width;
    }
    *p++ = '.';
    digits(frac, width);
  }
  *p++ = 'Z';
  return std::string(buf, p);
}

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  int y, mo, d;
  if (!take_digits(s, 4, &y) || !take_char(s, '-') || !take_digits(s, 2, &mo) ||
      !take_char(s, '-') || !take_digits(s, 2, &d))
    return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const Timestamp midnight = time_point_cast<microseconds>(sys_days{ymd});
  if (s.empty()) return midnight;

  int h, mi, sec;
  if (!take_char(s, 'T', 't') || !take_digits(s, 2, &h) || !take_char(s, ':') ||
      !take_digits(s, 2, &mi) || !take_char(s, ':') || !take_digits(s, 2, &sec))
    return std::nullopt;
  // A leap second (":60") has no place on this timeline; refuse it rather than guess.
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  std::int64_t micros = 0;
  if (take_char(s, '.')) {
    int digits = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
      if (digits < 6) micros = micros * 10 + (s.front() - '0');
      ++digits;
      s.remove_prefix(1);
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  minutes offset{0};
  if (take_char(s, 'Z', 'z')) {
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    const bool negative = s.front() == '-';
    s.remove_prefix(1);
    int oh, om;
    if (!take_digits(s, 2, &oh) || !take_char(s, ':') || !take_digits(s, 2, &om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offset = hours{oh} + minutes{om};
    if (negative) offset = -offset;
  } else {
    return std::nullopt;
  }
  if (!s.empty()) return std::nullopt;
  return midnight + hours{h} + minutes{mi} + seconds{sec} + microseconds{micros} - offset;
}

int utc_year(Timestamp t) {
  return static_cast<int>(year_month_day{floor<days>(t)}.year());
}

Timestamp add_years(Timestamp t, int n) {
  const sys_days day = floor<days>(t);
  year_month_day ymd{day};
  ymd += years{n};
  if (!ymd.ok()) ymd = ymd.year() / ymd.month() / last;  // Feb 29 -> Feb 28
  return sys_days{ymd} + (t - day);
}

}  // namespace brandledger

namespace brandledger {

std::string beijing_time(Timestamp t) {
  const std::string text = format_rfc3339(t + std::chrono::hours(8));
  return text.substr(0, 10) + " " + text.substr(11, 8);
}

std::string beijing_date_zh(Timestamp t) {
  const std::string text = format_rfc3339(t + std::chrono::hours(8));
  auto number = [&](std::size_t at, std::size_t len) {
    return std::to_string(std::stoi(text.substr(at, len)));  // "05" -> "5"
  };
  return number(0, 4) + "年" + number(5, 2) + "月" + number(8, 2) + "日";
}

}  // namespace brandledger
