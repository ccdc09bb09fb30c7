// format=csv|xlsx on the brand list, the audit and the reports (API.md): every matching row,
// Chinese headers, Beijing times, labels beside codes, a BOM, real date cells, a frozen
// header, no formula, and no more than the caller may read.
#include <cstdio>
#include <fstream>
#include <set>

#include "tests/api/world.h"

namespace brandledger::testing {
namespace {

// RFC 4180 rows of a CSV body (quoted fields may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> csv_rows(std::string_view body) {
  INFO(body.substr(0, 300));
  REQUIRE(body.substr(0, 3) == "\xEF\xBB\xBF");  // UTF-8 with a BOM
  body.remove_prefix(3);
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char ch = body[i];
    if (quoted) {
      if (ch == '"' && i + 1 < body.size() && body[i + 1] == '"') rows.back().back() += '"', ++i;
      else if (ch == '"') quoted = false;
      else rows.back().back() += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      rows.back().emplace_back();
    } else if (ch == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
      ++i;
      rows.emplace_back(1);
    } else {
      rows.back().back() += ch;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

// One part of an XLSX package (a zip), read with Python's zipfile: the test checks the
// file as a spreadsheet program would find it, not as the server meant to write it.
std::string xlsx_part(const std::string& body, const std::string& part) {
  TempDir dir;
  const auto file = dir / "export.xlsx";
  std::ofstream(file, std::ios::binary) << body;
  const std::string command = "python3 -c 'import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' " +
                              file.string() + " " + part;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  REQUIRE(::pclose(pipe) == 0);
  return out;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  FAIL("no column " << name);
  return 0;
}

}  // namespace

TEST_CASE("the brand list as CSV: every matching brand in the caller's scope with Chinese headers and labels") {
  World w;
  const std::string a = w.brand("b1", "filed", "=红旗 先锋");  // looks like a formula
  const std::string b = w.brand("b2", "submitted", "先锋引领");
  const std::string c = w.brand("b3", "filed", "服务基层");
  auto file = w.as("committee").get("/v1/brands?state=filed&format=csv");
  REQUIRE(file.status == 200);
  CHECK(file.headers.at("content-type") == "text/csv; charset=utf-8");
  CHECK(file.headers.at("content-disposition").find("attachment") == 0);
  CHECK(file.headers.at("content-disposition").find("filename*=UTF-8''%E5%93%81%E7%89%8C%E5%BA%93.csv") !=
        std::string::npos);  // 品牌库.csv
  const auto rows = csv_rows(file.body);
  REQUIRE(rows.size() == 3);  // the header and the two filed brands
  const auto& header = rows[0];
  CHECK(header[0] == "品牌编号");
  const std::size_t name = column(header, "品牌名称"), state = column(header, "状态"),
                    filed_at = column(header, "备案时间");
  std::set<std::string> ids{rows[1][0], rows[2][0]};
  CHECK(ids == std::set<std::string>{a, c});
  for (std::size_t i = 1; i < rows.size(); ++i) {
    CHECK(rows[i][state] == "filed（已备案）");
    CHECK(rows[i][filed_at].size() == 19);  // "2026-11-27 01:49:07", Beijing time
    if (rows[i][0] == a) CHECK(rows[i][name] == "'=红旗 先锋");  // never run as a formula
  }
  // The unit's own brands only, whatever it asks for.
  const auto mine = csv_rows(w.as("u1").get("/v1/brands?format=csv").body);
  CHECK(mine.size() == 3);  // header, b1's and b2's (u1 has b1 and b2)
  CHECK(w.as("u1").get("/v1/brands?unit=u2&format=csv").status == 403);
  const auto theirs = csv_rows(w.as("b3").get("/v1/brands?format=csv").body);
  CHECK(theirs.size() == 2);
  CHECK(theirs[1][0] == c);
  (void)b;
}

TEST_CASE("the audit as CSV holds every matching entry past any page size") {
  World w;
  const std::string id = w.brand("b1", "cultivating");
  // More entries than the server reads per page (1,000).
  for (int i = 0; i < 1005; ++i)
    World::obj(w.as("b1").patch("/v1/brands/" + id, {{"slogan", "口号第" + std::to_string(i) + "版"}}));
  const auto entries = csv_rows(w.as("auditor").get("/v1/audit?brand=" + id + "&format=csv").body);
  REQUIRE(entries.size() == 1 + 1 + 1005);  // header, created, every edit
  CHECK(entries[1][column(entries[0], "事件")] == "BrandEdited");  // newest first
  CHECK(entries.back()[column(entries[0], "事件")] == "BrandCreated");
  std::set<std::string> positions;
  for (std::size_t i = 1; i < entries.size(); ++i) positions.insert(entries[i][0]);
  CHECK(positions.size() == entries.size() - 1);  // each entry once
}

TEST_CASE("the audit as XLSX: a sheet with Chinese headers, date cells, a frozen header and no formula") {
  World w;
  const std::string id = w.brand("b1", "filed");
  World::obj(w.as("committee").post("/v1/brands/" + id + "/cancel",
                                    {{"reason", "撤并"}, {"comment", "=HYPERLINK(\"http://x\") 支部撤并"}}));
  auto file = w.as("auditor").get("/v1/audit?brand=" + id + "&format=xlsx");
  REQUIRE(file.status == 200);
  CHECK(file.headers.at("content-type") ==
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  CHECK(file.body.substr(0, 4) == "PK\x03\x04");
  const std::string sheet = xlsx_part(file.body, "xl/worksheets/sheet1.xml");
  CHECK(sheet.find("<t>时间（北京时间）</t>") != std::string::npos);
  CHECK(sheet.find("ySplit=\"1\"") != std::string::npos);         // the header row frozen
  CHECK(sheet.find("<autoFilter ref=\"A1:L6\"") != std::string::npos);  // header + 5 entries
  CHECK(sheet.find("<f>") == std::string::npos);                  // no formula anywhere
  CHECK(sheet.find("<t>'=HYPERLINK(") != std::string::npos);
  CHECK(sheet.find("<t>cancelled（已注销）</t>") != std::string::npos);
  CHECK(occurrences(sheet, "<row ") == 6);
  // The time column holds numbers (date serials) in a date format, not text.
  const std::string styles = xlsx_part(file.body, "xl/styles.xml");
  CHECK(styles.find("<numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/>") != std::string::npos);
  CHECK(sheet.find("<c r=\"B2\" s=\"2\"><v>") != std::string::npos);  // a number in that format
  const std::string workbook = xlsx_part(file.body, "xl/workbook.xml");
  CHECK(workbook.find("name=\"审计追溯\"") != std::string::npos);
}

TEST_CASE("a branch's audit file hides rank and final while the notice is unpublished like its JSON") {
  World w;
  const std::string id = w.brand("b1", "filed");
  w.round({{id, 92}}, 2031, /*notice=*/false);
  const auto committee = w.as("committee").get("/v1/audit?brand=" + id + "&format=csv").body;
  CHECK(committee.find("\"\"final\"\"") != std::string::npos);
  const auto branch = w.as("b1").get("/v1/audit?format=csv").body;
  CHECK(branch.find("BrandProposed") != std::string::npos);
  CHECK(branch.find("\"\"final\"\"") == std::string::npos);
  CHECK(branch.find("\"\"rank\"\"") == std::string::npos);
}

TEST_CASE("every report as CSV and XLSX holds the numbers of its JSON") {
  World w;
  w.brand("b1", "filed");
  w.brand("b3", "submitted");
  const Client& c = w.as("committee");
  const auto coverage = World::obj(c.get("/v1/reports/coverage"));
  const auto rows = csv_rows(c.get("/v1/reports/coverage?format=csv").body);
  CHECK(rows[0] == std::vector<std::string>{"单位编号", "单位名称", "党组织数", "已备案", "覆盖率"});
  const auto& units = coverage.at("units").as_array();
  REQUIRE(rows.size() == units.size() + 3);  // header, units, 合计, 截至
  for (std::size_t i = 0; i < units.size(); ++i) {
    CHECK(rows[i + 1][0] == text(units[i].at("unit")));
    CHECK(rows[i + 1][3] == text(units[i].at("filed")));
  }
  CHECK(rows[units.size() + 1][0] == "合计");
  CHECK(rows[units.size() + 1][3] == "1");

  const auto pipeline = csv_rows(c.get("/v1/reports/pipeline?format=csv").body);
  const std::size_t filed = column(pipeline[0], "已备案"), submitted = column(pipeline[0], "已申报");
  CHECK(pipeline.back()[0] == "合计");
  CHECK(pipeline.back()[filed] == "1");
  CHECK(pipeline.back()[submitted] == "1");
  CHECK(pipeline.back().back() == "2");  // 合计 of the 合计 row

  CHECK(csv_rows(c.get("/v1/reports/titles?year=2031&format=csv").body)[0] ==
        std::vector<std::string>{"分类", "项目", "数量"});
  const auto assessment = csv_rows(c.get("/v1/reports/assessment?year=2031&format=csv").body);
  CHECK(assessment[1][0] == "党组织");
  CHECK(assessment[1][column(assessment[0], "得分")] == "3");
  CHECK(assessment.back()[0] == "单位合计");

  for (const char* report : {"/v1/reports/coverage?format=xlsx", "/v1/reports/titles?year=2031&format=xlsx",
                             "/v1/reports/assessment?year=2031&format=xlsx", "/v1/reports/pipeline?format=xlsx",
                             "/v1/re-reviews/due?before=2040-01-01&format=xlsx"}) {
    INFO(report);
    auto file = c.get(report);
    REQUIRE(file.status == 200);
    CHECK(xlsx_part(file.body, "xl/worksheets/sheet1.xml").find("<sheetData>") != std::string::npos);
  }
  // A unit reading its due re-reviews gets only its own, as in JSON.
  CHECK(csv_rows(w.as("u2").get("/v1/re-reviews/due?before=2040-01-01&format=csv").body).size() == 1);
}

}  // namespace brandledger::testing
