#include "views/render.h"

#include <boost/json.hpp>

#include "workflows/json_fields.h"

namespace brandledger::views {

using namespace workflows;

namespace {

boost::json::value parse_or_null(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return ec ? boost::json::value(nullptr) : v;
}

boost::json::value opt_string(const std::string& s) {
  return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

}  // namespace

boost::json::object render_brand(const BrandState& b, std::uint64_t version) {
  const bool holds_title = b.title.has_value();
  boost::json::object o;
  o["id"] = b.id;
  o["name"] = b.name;
  o["branch"] = b.branch;
  o["branch_name"] = b.branch_name;
  o["unit"] = b.unit;
  o["org_type"] = b.org_type;
  o["state"] = status_code(b.status());
  o["state_label"] = status_label(b.status());
  o["title"] = holds_title ? boost::json::value(title_code(*b.title)) : nullptr;
  o["title_label"] = holds_title ? boost::json::value(title_label(*b.title)) : nullptr;
  o["filing_no"] = opt_string(b.filing_no);
  o["filed_at"] = time_json(b.filed_at);
  o["named_at"] = holds_title ? time_json(b.named_at) : nullptr;
  o["valid_until"] = time_json(b.valid_until);
  // A named brand's re-review falls due when its title's validity ends.
  o["re_review_due"] = holds_title ? time_json(b.valid_until) : nullptr;
  o["reapply_after"] = time_json(b.reapply_after);
  o["slogan"] = b.slogan;
  o["theme"] = b.theme;
  o["connotation"] = b.connotation;
  o["features"] = b.features;
  o["effects"] = b.effects;
  o["business_link"] = b.business_link;
  o["plan"] = parse_or_null(b.plan_json);
  o["logo"] = opt_string(b.logo);
  o["attachments"] = parse_or_null(b.attachments_json);
  o["round"] = opt_string(b.round);
  o["proposed_title"] =
      b.proposed_title ? boost::json::value(title_code(*b.proposed_title)) : nullptr;
  o["rectify_by"] = time_json(b.rectify_by);
  // Until when the branch may appeal the last demotion or revocation (DOMAIN.md: 10 days),
  // while it has not appealed yet; the window closing is the deadline 复评管理 shows.
  o["appeal_until"] = b.adverse && b.status() != BrandStatus::kAppeal
                          ? time_json(add_days(b.adverse->at, kAppealWindowDays))
                          : nullptr;
  boost::json::array objections;
  for (const Objection& ob : b.objections)
    objections.push_back(
        {{"id", ob.id}, {"reason", ob.reason}, {"raised_by", ob.raised_by}, {"status", ob.status}});
  o["objections"] = std::move(objections);
  o["latest_progress"] =
      b.progress_year
          ? boost::json::value({{"year", *b.progress_year}, {"summary", b.progress_summary}})
          : boost::json::value(nullptr);
  o["version"] = version;
  o["created_at"] = time_json(b.created_at);
  o["updated_at"] = time_json(b.updated_at);
  return o;
}

boost::json::object render_round(const RoundState& r, std::uint64_t version) {
  boost::json::object o = round_config_json(r.config);
  o["id"] = r.id;
  o["state"] = round_status_code(r.status());
  boost::json::array nominated, experts;
  for (const auto& b : r.nominated) nominated.push_back(boost::json::string(b));
  for (const auto& e : r.experts) experts.push_back(boost::json::string(e));
  o["nominated"] = std::move(nominated);
  o["experts"] = std::move(experts);
  o["notice_ends"] = time_json(r.notice_ends);
  o["created_at"] = time_json(r.created_at);
  o["version"] = version;
  return o;
}

}  // namespace brandledger::views
