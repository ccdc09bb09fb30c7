// What each export holds (API.md: the brand list, the audit and every report with
// format=csv|xlsx): its columns, in Chinese, and a row of cells from the JSON the same
// endpoint answers. The JSON stays the one source; a file is that answer laid out for a
// spreadsheet.
#pragma once

#include <boost/json/fwd.hpp>

#include <string_view>
#include <vector>

#include "api/spreadsheet.h"

namespace brandledger::api {

std::vector<SheetColumn> brand_columns();
std::vector<SheetCell> brand_row(const boost::json::object& brand);

std::vector<SheetColumn> audit_columns();
std::vector<SheetCell> audit_row(const boost::json::object& entry);

// A report's whole answer as one file: `report` is coverage, titles, assessment or pipeline.
Result<Response> report_file(std::string_view format, std::string_view report,
                             const boost::json::object& answer);

}  // namespace brandledger::api
