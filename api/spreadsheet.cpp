#include "api/spreadsheet.h"

#include <fcntl.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace brandledger::api {
namespace {

std::string csv_quoted(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

// A new empty file of our own in the temporary directory, removed when the last holder
// (the writer, then the answer being sent) lets go of it.
Result<std::shared_ptr<const TempFile>> make_temp_file(int* fd) {
  std::error_code ec;
  std::string path =
      (std::filesystem::temp_directory_path(ec) / "brandledger-export-XXXXXX").string();
  if (ec) path = "/tmp/brandledger-export-XXXXXX";
  *fd = ::mkstemp(path.data());
  if (*fd < 0) return Status::IoError("cannot create an export file: " + std::string(std::strerror(errno)));
  return std::make_shared<const TempFile>(std::move(path));
}

Response attachment(std::string_view content_type, const std::string& name,
                    std::shared_ptr<const TempFile> file) {
  Response r;
  r.content_type = std::string(content_type);
  // The name as ASCII for old clients and as UTF-8 (RFC 6266/5987) for every browser.
  std::string encoded;
  for (unsigned char ch : name) {
    static const char* kHex = "0123456789ABCDEF";
    if (std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_') {
      encoded += static_cast<char>(ch);
    } else {
      encoded += '%';
      encoded += kHex[ch >> 4];
      encoded += kHex[ch & 15];
    }
  }
  const std::string ext = name.substr(name.rfind('.'));
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"export" + ext +
                                                    "\"; filename*=UTF-8''" + encoded);
  r.headers.emplace_back("Cache-Control", "no-store");  // exports carry what the caller may see
  r.body_file = std::move(file);
  return r;
}

// "2026-11-27 01:49:07" as libxlsxwriter's date-time (fields of whatever integer width it has).
lxw_datetime excel_time(const std::string& text) {
  auto field = [&](std::size_t at, std::size_t len) {
    int v = 0;
    std::from_chars(text.data() + at, text.data() + at + len, v);
    return v;
  };
  lxw_datetime dt{};
  dt.year = field(0, 4);
  dt.month = static_cast<decltype(dt.month)>(field(5, 2));
  dt.day = static_cast<decltype(dt.day)>(field(8, 2));
  dt.hour = static_cast<decltype(dt.hour)>(field(11, 2));
  dt.min = static_cast<decltype(dt.min)>(field(14, 2));
  dt.sec = field(17, 2);
  return dt;
}

class CsvWriter final : public SheetWriter {
 public:
  CsvWriter(std::string name, std::shared_ptr<const TempFile> file, std::FILE* out)
      : name_(std::move(name)), file_(std::move(file)), out_(out) {}
  ~CsvWriter() override {
    if (out_) std::fclose(out_);
  }

  Status header(const std::vector<SheetColumn>& columns) {
    std::string line = "\xEF\xBB\xBF";  // the BOM: spreadsheet programs then read UTF-8
    for (std::size_t i = 0; i < columns.size(); ++i)
      line += (i ? "," : "") + csv_quoted(columns[i].header);
    return put(line + "\r\n");
  }

  Status row(const std::vector<SheetCell>& cells) override {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) line += ',';
      const SheetCell& c = cells[i];
      if (const auto* s = std::get_if<std::string>(&c)) line += csv_quoted(spreadsheet_text(*s));
      else if (const auto* n = std::get_if<SheetNumber>(&c)) line += csv_quoted(n->text);
      else if (const auto* t = std::get_if<Timestamp>(&c)) line += beijing_time(*t);
    }
    return put(line + "\r\n");
  }

  Result<Response> finish() override {
    const bool ok = std::fflush(out_) == 0;
    std::fclose(out_);
    out_ = nullptr;
    if (!ok) return Status::IoError("cannot write the export file");
    return attachment("text/csv; charset=utf-8", name_ + ".csv", std::move(file_));
  }

 private:
  Status put(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), out_) != text.size())
      return Status::IoError("cannot write the export file: " + std::string(std::strerror(errno)));
    return Status::Ok();
  }

  std::string name_;
  std::shared_ptr<const TempFile> file_;
  std::FILE* out_;
};

// libxlsxwriter (Debian's libxlsxwriter-dev) writes the Office Open XML package: zip,
// shared parts, styles, date serials — a format with too many details to write by hand.
// constant_memory mode streams each row to a temporary file as it is written.
class XlsxWriter final : public SheetWriter {
 public:
  // Excel's limits: rows per sheet, characters per cell.
  static constexpr lxw_row_t kMaxRows = 1048576;
  static constexpr std::size_t kMaxCellChars = 32767;

  XlsxWriter(std::string name, std::shared_ptr<const TempFile> file, std::vector<SheetColumn> columns)
      : name_(std::move(name)), file_(std::move(file)), columns_(std::move(columns)) {
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    options.use_zip64 = LXW_TRUE;  // an export of years of log passes 4 GB of XML in time
    // Its row files beside the export's, not in tmpfile()'s directory.
    tmpdir_ = std::filesystem::path(file_->path).parent_path().string();
    options.tmpdir = tmpdir_.data();
    book_ = workbook_new_opt(file_->path.c_str(), &options);
    if (book_ == nullptr) return;
    bold_ = workbook_add_format(book_);
    format_set_bold(bold_);
    format_set_bg_color(bold_, 0xF2F2F2);
    time_ = workbook_add_format(book_);
    format_set_num_format(time_, "yyyy-mm-dd hh:mm:ss");
    wrap_ = workbook_add_format(book_);
    format_set_text_wrap(wrap_);
    format_set_align(wrap_, LXW_ALIGN_VERTICAL_TOP);
  }
  ~XlsxWriter() override {
    if (book_) workbook_close(book_);  // an unfinished export: its file is removed with file_
  }

  bool opened() const { return book_ != nullptr; }

  Status row(const std::vector<SheetCell>& cells) override {
    if (sheet_ == nullptr || next_row_ == kMaxRows) BL_RETURN_IF_ERROR(new_sheet());
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const auto col = static_cast<lxw_col_t>(i);
      const SheetCell& c = cells[i];
      lxw_error e = LXW_NO_ERROR;
      if (const auto* s = std::get_if<std::string>(&c)) {
        e = worksheet_write_string(sheet_, next_row_, col, fit_cell(spreadsheet_text(*s)).c_str(), nullptr);
      } else if (const auto* n = std::get_if<SheetNumber>(&c)) {
        e = worksheet_write_number(sheet_, next_row_, col, std::strtod(n->text.c_str(), nullptr), nullptr);
      } else if (const auto* t = std::get_if<Timestamp>(&c)) {
        lxw_datetime dt = excel_time(beijing_time(*t));
        e = worksheet_write_datetime(sheet_, next_row_, col, &dt, time_);
      }
      if (e != LXW_NO_ERROR) return Status::IoError(std::string("xlsx: ") + lxw_strerror(e));
    }
    ++next_row_;
    return Status::Ok();
  }

  Result<Response> finish() override {
    if (sheet_ == nullptr) BL_RETURN_IF_ERROR(new_sheet());
    close_sheet();
    const lxw_error e = workbook_close(book_);
    book_ = nullptr;
    if (e != LXW_NO_ERROR) return Status::IoError(std::string("xlsx: ") + lxw_strerror(e));
    return attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      name_ + ".xlsx", std::move(file_));
  }

 private:
  // Past Excel's row limit the rows go on in a new sheet, "审计（2）", rather than stop.
  Status new_sheet() {
    close_sheet();
    ++sheets_;
    const std::string title = sheets_ == 1 ? name_ : name_ + "（" + std::to_string(sheets_) + "）";
    sheet_ = workbook_add_worksheet(book_, title.c_str());
    if (sheet_ == nullptr) return Status::IoError("xlsx: cannot add a worksheet");
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const auto col = static_cast<lxw_col_t>(i);
      worksheet_set_column(sheet_, col, col, columns_[i].width,
                           columns_[i].width >= 30 ? wrap_ : nullptr);
      worksheet_write_string(sheet_, 0, col, columns_[i].header.c_str(), bold_);
    }
    worksheet_freeze_panes(sheet_, 1, 0);  // the header stays in view
    next_row_ = 1;
    return Status::Ok();
  }
  void close_sheet() {
    if (sheet_ != nullptr && !columns_.empty())
      worksheet_autofilter(sheet_, 0, 0, next_row_ - 1, static_cast<lxw_col_t>(columns_.size() - 1));
  }
  // A cell holds at most 32,767 characters; longer text (an event's data, a long 内涵) is cut
  // with a note saying where the whole is.
  // Excel counts UTF-16 units: a character past U+FFFF (four bytes in UTF-8) counts two.
  static std::string fit_cell(std::string text) {
    static const std::string kNote = "…（超出单元格上限，已截断；完整内容见 CSV 或 API）";
    auto units = [](unsigned char lead) { return lead >= 0xF0 ? 2 : 1; };
    std::size_t total = 0;
    for (unsigned char ch : text)
      if ((ch & 0xC0) != 0x80) total += units(ch);
    if (total <= kMaxCellChars) return text;
    const std::size_t keep = kMaxCellChars - 40;  // room for the note
    std::size_t used = 0, i = 0;
    for (; i < text.size(); ++i) {
      const auto ch = static_cast<unsigned char>(text[i]);
      if ((ch & 0xC0) == 0x80) continue;
      if (used + units(ch) > keep) break;
      used += units(ch);
    }
    text.resize(i);
    return text + kNote;
  }

  std::string name_;
  std::shared_ptr<const TempFile> file_;
  std::vector<SheetColumn> columns_;
  std::string tmpdir_;
  lxw_workbook* book_ = nullptr;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_format* time_ = nullptr;
  lxw_format* wrap_ = nullptr;
  lxw_row_t next_row_ = 0;
  int sheets_ = 0;
};

}  // namespace

std::string spreadsheet_text(std::string text) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos)
    text.insert(0, "'");
  return text;
}

Result<std::unique_ptr<SheetWriter>> SheetWriter::open(std::string_view format, std::string sheet,
                                                        std::vector<SheetColumn> columns) {
  int fd = -1;
  BL_ASSIGN_OR_RETURN(auto file, make_temp_file(&fd));
  if (format == "csv") {
    std::FILE* out = ::fdopen(fd, "wb");
    if (out == nullptr) {
      ::close(fd);
      return Status::IoError("cannot open the export file");
    }
    auto writer = std::make_unique<CsvWriter>(std::move(sheet), std::move(file), out);
    BL_RETURN_IF_ERROR(writer->header(columns));
    return std::unique_ptr<SheetWriter>(std::move(writer));
  }
  ::close(fd);  // libxlsxwriter writes the file by its name when the workbook closes
  auto writer = std::make_unique<XlsxWriter>(std::move(sheet), std::move(file), std::move(columns));
  if (!writer->opened()) return Status::IoError("xlsx: cannot start a workbook");
  return std::unique_ptr<SheetWriter>(std::move(writer));
}

}  // namespace brandledger::api
