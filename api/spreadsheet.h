// Files for spreadsheet users (API.md "format=csv|xlsx"): one writer for every export, so the
// brand list, the audit and every report come out the same way — Chinese column headers,
// times in Beijing time, CSV in UTF-8 with a BOM, XLSX with real date cells, a frozen header
// row and column widths, and no cell a spreadsheet would run as a formula.
//
// Rows go to a temporary file as they are written, never to a string: an export of the
// whole log costs the server a page of rows in memory, whatever its size.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/http.h"
#include "core/status.h"
#include "core/time.h"

namespace brandledger::api {

struct SheetColumn {
  std::string header;  // Chinese, as the committee reads it
  double width = 14;   // in characters, for XLSX
};

// Text; a number as exact decimal text ("89.25", "3"); a moment, written in Beijing time;
// or nothing.
struct SheetNumber {
  std::string text;
};
using SheetCell = std::variant<std::monostate, std::string, SheetNumber, Timestamp>;

class SheetWriter {
 public:
  virtual ~SheetWriter() = default;
  // `format` is "csv" or "xlsx"; `sheet` names the worksheet (XLSX) and, with the format's
  // extension, the downloaded file.
  static Result<std::unique_ptr<SheetWriter>> open(std::string_view format, std::string sheet,
                                                   std::vector<SheetColumn> columns);
  // One row, a cell per column.
  virtual Status row(const std::vector<SheetCell>& cells) = 0;
  // The finished file as a 200 attachment; the writer is spent.
  virtual Result<Response> finish() = 0;
};

// Text no spreadsheet runs as a formula: a leading =, +, -, @, tab or CR gets a ' before it.
std::string spreadsheet_text(std::string text);

}  // namespace brandledger::api
