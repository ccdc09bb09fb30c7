// Reading and writing the fields of event data and command arguments.
//
// Readers of event data are lenient (a missing field reads as empty: old events may lack
// fields added later, and upcasters fill what matters). Command arguments are checked with
// the Arg* readers, which throw ArgumentError naming the field, so that the API can answer
// 400 invalid_field with it (or 400 too_long, for text over its limit).
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>

#include "core/decimal.h"
#include "core/time.h"
#include "engine/command.h"

namespace brandledger::workflows {

using engine::ArgumentError;

// Text limits (API.md), in characters: Unicode code points of the UTF-8 text, not bytes.
inline constexpr std::size_t kMaxNameChars = 100;       // names of orgs, users, brands, rounds
inline constexpr std::size_t kMaxReasonChars = 2000;    // a comment or a reason
inline constexpr std::size_t kMaxContentChars = 10000;  // each content field of a brand

// Text over its limit: 400 too_long, naming the field.
class TooLong : public ArgumentError {
 public:
  TooLong(std::string field, std::size_t max, std::size_t chars);
};

// The characters (code points) of UTF-8 text: its bytes that do not continue a sequence.
std::size_t char_count(std::string_view utf8);
// Throws TooLong when `text` has more than `max` characters.
void check_length(std::string_view field, std::string_view text, std::size_t max);

// Event data.
std::string str(const boost::json::object& o, std::string_view key);
double num(const boost::json::object& o, std::string_view key, double fallback = 0);
// A decimal field, to the nearest hundredth (older events may hold binary noise).
Decimal dec(const boost::json::object& o, std::string_view key, Decimal fallback = {});
// A decimal as a JSON number, whose text is the decimal itself (engine/json_text.h).
boost::json::value decimal_json(std::optional<Decimal> d);
bool flag(const boost::json::object& o, std::string_view key);
std::optional<Timestamp> time_field(const boost::json::object& o, std::string_view key);
boost::json::value time_json(std::optional<Timestamp> t);

// Command arguments.
// A string (trimmed of nothing; "" allowed) when present; nullopt when absent or null.
std::optional<std::string> arg_string(const boost::json::object& args, std::string_view key);
// A required non-blank string.
std::string arg_required(const boost::json::object& args, std::string_view key);
// A required non-blank string of at most `max_chars` characters (TooLong otherwise).
std::string arg_required(const boost::json::object& args, std::string_view key,
                         std::size_t max_chars);
std::optional<bool> arg_bool(const boost::json::object& args, std::string_view key);
std::optional<double> arg_number(const boost::json::object& args, std::string_view key);
// A number with at most `max_decimals` fractional digits, exactly.
std::optional<Decimal> arg_decimal(const boost::json::object& args, std::string_view key,
                                   int max_decimals);
std::optional<std::int64_t> arg_int(const boost::json::object& args, std::string_view key);

bool is_blank(std::string_view s);

// Ids of orgs and users match [A-Za-z0-9][A-Za-z0-9_.-]{0,63} (API.md).
bool valid_id(std::string_view id);
// The required id argument `key`, checked (ArgumentError otherwise).
std::string arg_id(const boost::json::object& args, std::string_view key);

}  // namespace brandledger::workflows
