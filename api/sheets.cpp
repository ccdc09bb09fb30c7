#include "api/sheets.h"

#include <boost/json.hpp>

#include "core/status.h"
#include "engine/json_text.h"
#include "workflows/brand_lifecycle.h"
#include "workflows/scoring.h"

namespace brandledger::api {
namespace {

using boost::json::object;
using boost::json::value;

std::string text_of(const value* v) {
  if (v == nullptr || v->is_null()) return {};
  return v->is_string() ? std::string(v->as_string()) : engine::to_text(*v);
}
SheetCell text(const object& o, std::string_view key) {
  return text_of(o.if_contains(key));
}
// A JSON number (exact decimal text for points and finals) as a number cell.
SheetCell number(const value* v) {
  if (v == nullptr || v->is_null()) return std::monostate{};
  if (v->is_string()) return std::string(v->as_string());
  return SheetNumber{engine::to_text(*v)};
}
SheetCell number(const object& o, std::string_view key) {
  return number(o.if_contains(key));
}
SheetCell time(const object& o, std::string_view key) {
  const value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::monostate{};
  if (auto t = parse_rfc3339(std::string(v->as_string()))) return *t;
  return std::string(v->as_string());
}
// A state's code with its Chinese label: "filed（已备案）".
SheetCell state(const value* v) {
  const std::string code = text_of(v);
  const auto status = workflows::parse_status(code);
  if (!status) return code;
  return code + "（" + std::string(workflows::status_label(*status)) + "）";
}
std::string title_text(const value* v) {
  const std::string code = text_of(v);
  const auto title = workflows::parse_title(code);
  return title ? std::string(workflows::title_label(*title)) : code;
}

Result<Response> write_all(std::string_view format, std::string sheet,
                           std::vector<SheetColumn> columns,
                           const std::vector<std::vector<SheetCell>>& rows) {
  BL_ASSIGN_OR_RETURN(auto writer, SheetWriter::open(format, std::move(sheet), std::move(columns)));
  for (const auto& row : rows) BL_RETURN_IF_ERROR(writer->row(row));
  return writer->finish();
}

const object& member(const object& o, std::string_view key) {
  static const object kEmpty;
  const value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->as_object() : kEmpty;
}
const boost::json::array& rows_of(const object& o, std::string_view key) {
  static const boost::json::array kEmpty;
  const value* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->as_array() : kEmpty;
}

Result<Response> coverage_file(std::string_view format, const object& a) {
  std::vector<std::vector<SheetCell>> rows;
  for (const auto& u : rows_of(a, "units")) {
    const object& o = u.as_object();
    rows.push_back({text(o, "unit"), text(o, "name"), number(o, "branches"), number(o, "filed"),
                    number(o, "coverage")});
  }
  const object& t = member(a, "total");
  rows.push_back({std::string("合计"), std::monostate{}, number(t, "branches"), number(t, "filed"),
                  number(t, "coverage")});
  rows.push_back({std::string("截至"), time(a, "as_of")});
  return write_all(format, "品牌覆盖率",
                   {{"单位编号", 12}, {"单位名称", 30}, {"党组织数", 10}, {"已备案", 10}, {"覆盖率", 10}},
                   rows);
}

Result<Response> titles_file(std::string_view format, const object& a) {
  std::vector<std::vector<SheetCell>> rows;
  for (const auto& [code, n] : member(a, "by_title")) {
    const auto title = workflows::parse_title(code);
    rows.push_back({std::string("按称号"),
                    title ? std::string(workflows::title_label(*title)) : std::string(code),
                    number(&n)});
  }
  for (const auto& [org_type, n] : member(a, "by_org_type"))
    rows.push_back({std::string("按组织类型"), std::string(org_type), number(&n)});
  rows.push_back({std::string("合计"), std::string("命名总数"), number(a, "total")});
  rows.push_back({std::string("合计"), std::string("参评数"), number(a, "nominations")});
  return write_all(format, "命名统计" + text_of(a.if_contains("year")),
                   {{"分类", 12}, {"项目", 20}, {"数量", 10}}, rows);
}

Result<Response> assessment_file(std::string_view format, const object& a) {
  std::vector<std::vector<SheetCell>> rows;
  for (const auto& b : rows_of(a, "branches")) {
    const object& o = b.as_object();
    rows.push_back({std::string("党组织"), text(o, "branch"), text(o, "branch_name"),
                    text(o, "unit"), text(o, "brand"), state(o.if_contains("state")),
                    title_text(o.if_contains("title")), number(o, "filed_points"),
                    number(o, "title_bonus"), number(o, "points")});
  }
  for (const auto& u : rows_of(a, "units")) {
    const object& o = u.as_object();
    rows.push_back({std::string("单位合计"), text(o, "unit"), text(o, "name"), std::monostate{},
                    std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{},
                    std::monostate{}, number(o, "points")});
  }
  return write_all(format, "年度考核" + text_of(a.if_contains("year")),
                   {{"层级", 10},
                    {"组织编号", 12},
                    {"名称", 30},
                    {"所属单位", 12},
                    {"品牌编号", 16},
                    {"状态", 22},
                    {"称号", 16},
                    {"备案分", 10},
                    {"称号加分", 10},
                    {"得分", 10}},
                   rows);
}

Result<Response> pipeline_file(std::string_view format, const object& a) {
  // A column per brand state, in the lifecycle's order.
  std::vector<SheetColumn> columns{{"单位编号", 12}, {"单位名称", 30}};
  std::vector<std::string> codes;
  for (int i = 1; i < workflows::kBrandStatusCount; ++i) {
    const auto s = static_cast<workflows::BrandStatus>(i);
    codes.emplace_back(workflows::status_code(s));
    columns.push_back({std::string(workflows::status_label(s)), 10});
  }
  columns.push_back({"合计", 10});
  auto row = [&](SheetCell unit, SheetCell name, const object& by_state) {
    std::vector<SheetCell> cells{std::move(unit), std::move(name)};
    std::int64_t sum = 0;
    for (const auto& code : codes) {
      const value* n = by_state.if_contains(code);
      const std::int64_t count = n != nullptr && n->is_int64() ? n->as_int64() : 0;
      sum += count;
      cells.emplace_back(SheetNumber{std::to_string(count)});
    }
    cells.emplace_back(SheetNumber{std::to_string(sum)});
    return cells;
  };
  std::vector<std::vector<SheetCell>> rows;
  for (const auto& u : rows_of(a, "units")) {
    const object& o = u.as_object();
    rows.push_back(row(text(o, "unit"), text(o, "name"), member(o, "by_state")));
  }
  rows.push_back(row(std::string("合计"), std::monostate{}, member(a, "total")));
  return write_all(format, "品牌状态分布", std::move(columns), rows);
}

}  // namespace

std::vector<SheetColumn> brand_columns() {
  return {{"品牌编号", 16},     {"品牌名称", 24},    {"党组织", 24},     {"组织类型", 10},
          {"所属单位", 12},     {"状态", 22},        {"称号", 16},       {"备案编号", 16},
          {"备案时间", 20},     {"命名时间", 20},    {"称号有效期至", 20}, {"复评到期", 20},
          {"品牌口号", 30},     {"有主题", 40},      {"有内涵", 40},     {"有特色", 40},
          {"有成效", 40},       {"结合业务", 40},    {"工作计划", 40},   {"版本", 8},
          {"创建时间", 20},     {"更新时间", 20}};
}

std::vector<SheetCell> brand_row(const object& b) {
  return {text(b, "id"),          text(b, "name"),           text(b, "branch_name"),
          text(b, "org_type"),    text(b, "unit"),           state(b.if_contains("state")),
          title_text(b.if_contains("title")), text(b, "filing_no"), time(b, "filed_at"),
          time(b, "named_at"),    time(b, "valid_until"),    time(b, "re_review_due"),
          text(b, "slogan"),      text(b, "theme"),          text(b, "connotation"),
          text(b, "features"),    text(b, "effects"),        text(b, "business_link"),
          text(b, "plan"),        number(b, "version"),      time(b, "created_at"),
          time(b, "updated_at")};
}

std::vector<SheetColumn> audit_columns() {
  return {{"位置", 10},   {"时间（北京时间）", 20}, {"对象", 20},   {"事件", 22},
          {"操作人", 12}, {"姓名", 14},             {"角色", 10},   {"所属组织", 12},
          {"原状态", 22}, {"新状态", 22},           {"意见", 40},   {"数据", 60}};
}

std::vector<SheetCell> audit_row(const object& e) {
  const object& a = member(e, "actor");
  return {number(e, "position"),         time(e, "occurred_at"),     text(e, "stream"),
          text(e, "type"),               text(a, "id"),              text(a, "name"),
          text(a, "role"),               text(a, "org"),             state(e.if_contains("from_state")),
          state(e.if_contains("to_state")), text(e, "comment"),     text(e, "data")};
}

Result<Response> report_file(std::string_view format, std::string_view report, const object& a) {
  if (report == "coverage") return coverage_file(format, a);
  if (report == "titles") return titles_file(format, a);
  if (report == "assessment") return assessment_file(format, a);
  if (report == "pipeline") return pipeline_file(format, a);
  return Status::Internal("no file for the report " + std::string(report));
}

}  // namespace brandledger::api
