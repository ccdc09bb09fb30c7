// The JSON text BrandLedger writes, for answers and for the documents views keep (which
// answers pass on as they are). Boost.JSON 1.81 writes doubles in exponent form
// ("8.65E1"); people and spreadsheets read "86.5" better, so numbers are written here with
// the shortest decimal that reads back the same (std::to_chars) and the rest by Boost.JSON.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace brandledger::engine {

std::string to_text(const boost::json::value& v);

}  // namespace brandledger::engine
