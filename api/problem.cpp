#include "api/problem.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace brandledger::api {
namespace {

std::string_view title_of(unsigned status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return status >= 500 ? "Internal Server Error" : "Error";
  }
}

std::string_view title_zh(unsigned status) {
  switch (status) {
    case 400: return "请求有误";
    case 401: return "未登录或登录已失效";
    case 403: return "无权操作";
    case 404: return "未找到";
    case 405: return "不支持的请求方法";
    case 408: return "请求超时";
    case 409: return "当前状态不允许";
    case 412: return "内容已变更";
    case 413: return "请求内容过大";
    case 415: return "不支持的内容类型";
    case 422: return "不符合业务规则";
    case 429: return "请求过于频繁";
    case 431: return "请求头过大";
    case 503: return "服务暂时不可用";
    case 507: return "存储空间不足";
    default: return status >= 500 ? "服务器内部错误" : "请求未能完成";
  }
}

// What a request's fields are called on the console's forms.
std::string_view field_label_zh(std::string_view field) {
  static const std::map<std::string_view, std::string_view, std::less<>> kLabels = {
      {"name", "名称"}, {"slogan", "口号"}, {"theme", "主题"}, {"connotation", "内涵"},
      {"features", "特色"}, {"effects", "成效"}, {"business_link", "业务结合点"},
      {"plan", "创建计划"}, {"comment", "意见"}, {"reason", "理由"}, {"password", "密码"},
      {"current", "当前密码"}, {"year", "年度"}, {"summary", "自评内容"}, {"state", "状态"},
      {"title", "称号"}, {"format", "导出格式"}, {"as_of", "截至日期"}, {"from", "起始时间"},
      {"to", "截止时间"}, {"before", "截止时间"}, {"limit", "每页条数"}, {"after", "翻页位置"},
      {"brand", "品牌"}, {"branch", "支部"}, {"unit", "单位"}, {"experts", "专家"},
      {"scores", "评分"}, {"role", "角色"}, {"org", "所属组织"}, {"id", "编号"},
      {"kind", "类型"}, {"parent", "上级组织"}, {"org_type", "组织类型"}, {"quotas", "名额"},
      {"thresholds", "分数线"}, {"rubric", "评分细则"}, {"unit_quota", "单位推荐名额"},
      {"min_scores", "最少评分份数"}, {"notice_days", "公示天数"}, {"validity_years", "称号有效期"},
      {"drop_extremes", "去掉最高最低分"}, {"granted", "申诉决定"}, {"passed", "整改结论"},
      {"veto", "一票否决"}, {"upheld", "异议决定"}, {"force", "强制结束"}, {"now", "时间"},
      {"assessment", "考核分值"}, {"disabled", "停用"}, {"user", "用户"},
      {"expires_in_days", "有效天数"}, {"keep_session", "保留当前登录"},
      {"If-Match", "If-Match 版本"}, {"Idempotency-Key", "Idempotency-Key"}};
  if (field.starts_with("scores.")) return "评分项";
  auto it = kLabels.find(field);
  return it == kLabels.end() ? field : it->second;
}

// The sentence for a code, with the field it names.
std::string detail_zh(std::string_view code, std::string_view field) {
  static const std::map<std::string_view, std::string_view, std::less<>> kSentences = {
      {"bad_request", "请求格式有误"},
      {"invalid_json", "请求内容不是有效的 JSON"},
      {"invalid_utf8", "请求内容不是有效的 UTF-8 文本"},
      {"invalid_field", "填写的内容有误或缺失"},
      {"too_long", "内容超过长度限制（名称 100 字，意见或理由 2000 字，品牌各项内容 10000 字）"},
      {"unauthorized", "未登录或登录已失效，请重新登录"},
      {"invalid_credentials", "用户名或密码错误"},
      {"forbidden", "您的角色或所属组织无权执行此操作"},
      {"conflict_of_interest", "需回避：专家不能评审本单位的品牌"},
      {"csrf", "页面已过期，请刷新后重试"},
      {"not_found", "未找到相应的内容"},
      {"method_not_allowed", "该地址不支持此请求方法"},
      {"request_timeout", "请求超时，请重试"},
      {"illegal_transition", "当前状态下不能执行此操作"},
      {"duplicate", "编号已被占用，或已经提交过"},
      {"version_mismatch", "内容已被他人修改，请刷新后重试"},
      {"payload_too_large", "提交的内容超过 1 MiB"},
      {"too_many_attempts", "尝试次数过多，请稍后再试"},
      {"too_many_connections", "服务器连接数已满，请稍后再试"},
      {"unavailable", "服务暂时无法处理，请稍后再试"},
      {"replica", "本节点是只读副本，可以查询但不受理提交和登录：请到写节点操作"},
      {"insufficient_storage", "存储空间已满，本次操作未被保存，请联系管理员"},
      {"internal", "服务器内部错误，请联系管理员"},
      {"incomplete_four_haves", "“四有”内容不完整：请填写主题、内涵、特色和成效"},
      {"one_brand_per_branch", "一个支部只能有一个党建品牌"},
      {"quota_exceeded", "超出推荐名额"},
      {"cooling_off", "撤销命名后两年内不得再次参评"},
      {"scores_missing", "尚有专家未完成评分"},
      {"notice_not_ended", "公示期尚未结束"},
      {"objection_pending", "尚有未处理的异议，请先作出异议决定"},
      {"unknown_criterion", "评分项不在本批次的评分细则中"},
      {"score_out_of_range", "分数超出该项的分值范围"},
      {"clock_backwards", "时间不能倒退"},
      {"comment_required", "请填写意见：审核、备案、撤销等决定须写明理由"},
      {"idempotency_key_reused", "同一 Idempotency-Key 已用于另一个请求"},
      {"last_admin", "不能停用或降级最后一位启用的系统管理员"},
      {"invalid_org", "所属组织与角色不匹配"},
      {"invalid_parent", "上级组织不符合组织层级"},
      {"unsupported_org_kind", "不支持的组织类型"},
      {"org_dissolved", "该组织已撤销"},
      {"too_many_tokens", "令牌数量已达上限（50 个），请先吊销不用的令牌"},
      {"nothing_to_appeal", "没有可申诉的降级或撤销决定"},
      {"appeal_window_closed", "申诉期（决定作出后 10 日内）已过"},
      {"not_expired", "称号尚未到期"},
      {"not_an_expert", "只有专家可以评分"},
      {"no_nominations", "本批次尚无推荐参评的品牌"},
      {"no_experts", "本批次尚未指派专家"},
      {"deadline_not_passed", "整改期限尚未届满"},
  };
  auto it = kSentences.find(code);
  std::string sentence(it == kSentences.end() ? "请求未能完成" : it->second);
  if (field.empty()) return sentence;
  return sentence + "（" + std::string(field_label_zh(field)) + "）";
}

}  // namespace

Response problem(unsigned status, std::string_view code, std::string_view detail,
                 std::string_view field, std::chrono::seconds retry_after) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  boost::json::object body{{"type", "https://brandledger.example/problems/" + std::string(code)},
                           {"title", title_of(status)},
                           {"status", status},
                           {"code", code},
                           {"detail", detail}};
  if (!field.empty()) body["field"] = field;  // API.md: field errors name the field
  r.body = boost::json::serialize(body);
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");  // RFC 6750
  if (status == 429 || status == 503)
    r.headers.emplace_back("Retry-After",
                           std::to_string(std::max<long long>(1, retry_after.count())));
  return r;
}

unsigned status_of(engine::RejectionKind kind) {
  using K = engine::RejectionKind;
  switch (kind) {
    case K::kInvalid: return 400;
    case K::kForbidden: return 403;
    case K::kNotFound: return 404;
    case K::kIllegalTransition:
    case K::kDuplicate: return 409;
    case K::kVersionMismatch: return 412;
    case K::kRule: return 422;
  }
  return 400;
}

Response field_problem(unsigned status, std::string_view code, std::string_view field,
                       std::string_view detail) {
  return problem(status, code, detail, field);
}

Response problem(const engine::Rejection& r) {
  Response response = problem(status_of(r.kind), r.code, r.detail, r.field);
  response.detail_zh = r.detail_zh;
  if (r.until) {  // when the rule lifts: a client can say so, or retry then
    auto body = boost::json::parse(response.body).as_object();
    body["until"] = format_rfc3339(*r.until);
    response.body = boost::json::serialize(body);
  }
  return response;
}

Response command_failure(const Status& error) {
  switch (error.code()) {
    case Status::Code::kInternal:
      return problem(500, "internal", "the server failed on this command; nothing was written");
    case Status::Code::kMapFull:
      return problem(507, "insufficient_storage",
                     "the data store is full (its map_size is used up); nothing was written");
    case Status::Code::kNoSpace:
      return problem(507, "insufficient_storage",
                     "the disk holding the data is full; nothing was written. Commands are "
                     "taken again once space is freed");
    case Status::Code::kFenced:
      return problem(503, "replica",
                     "this node is a replica and takes no commands: send them to the writer "
                     "(nothing was written here)");
    case Status::Code::kTooLarge: return problem(413, "payload_too_large", error.message());
    case Status::Code::kUnavailable:
      return problem(503, "unavailable",
                     "the replicated log did not confirm the command; send it again with the "
                     "same Idempotency-Key to learn its outcome");
    default:
      return problem(503, "unavailable", "the command could not be stored; nothing was written");
  }
}

std::string problem_detail_zh(std::string_view code, std::string_view own) {
  return own.empty() ? detail_zh(code, "") : std::string(own);
}

bool prefers_chinese(std::string_view header) {
  // The language range with the highest q (the first of equals) decides; "zh", "zh-CN",
  // "zh-Hans-CN" are Chinese.
  double best_q = -1;
  bool chinese = false;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    double q = 1;
    if (const auto semi = item.find(';'); semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      item = item.substr(0, semi);
      if (const auto at = params.find("q="); at != std::string_view::npos) {
        const std::string text(params.substr(at + 2));
        char* end = nullptr;
        q = std::strtod(text.c_str(), &end);
        if (end == text.c_str()) q = 0;
      }
    }
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty() || q <= 0 || q <= best_q) continue;
    best_q = q;
    chinese = item.size() >= 2 && (item[0] == 'z' || item[0] == 'Z') &&
              (item[1] == 'h' || item[1] == 'H') && (item.size() == 2 || item[2] == '-');
  }
  return chinese;
}

void localize_problem(Response& r) {
  if (r.content_type != "application/problem+json") return;
  boost::json::error_code ec;
  auto body = boost::json::parse(r.body, ec);
  if (ec || !body.is_object()) return;
  auto& o = body.as_object();
  // Copied out before the object changes: assigning to it may move its members.
  auto text = [&](std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  const std::string detail = !r.detail_zh.empty() ? r.detail_zh : detail_zh(text("code"), text("field"));
  o["title"] = title_zh(r.status);
  o["detail"] = detail;
  r.body = boost::json::serialize(o);
}

}  // namespace brandledger::api
