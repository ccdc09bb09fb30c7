#include "app/demo.h"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <map>

#include "api/api.h"
#include "core/sha256.h"
#include "views/projections.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::app {
namespace {

using workflows::brand_stream;
using workflows::org_stream;
using workflows::round_stream;
using workflows::user_stream;

struct Unit {
  const char* id;
  const char* name;
};
const Unit kUnits[] = {{"gov", "市政府机关党委"},        {"media", "市委宣传系统党委"},
                       {"mass", "市群团机关党委"},       {"service", "市机关事务管理局党委"},
                       {"city", "市住建城管系统党委"},   {"social", "市人社民政系统党委"},
                       {"data", "市数据资源管理局党委"}, {"law", "市政法系统党委"},
                       {"soe", "市属国有企业党委"},      {"office", "市委办公系统党委"}};

struct Branch {
  const char* id;
  const char* unit;
  const char* name;
  const char* org_type;
  const char* brand;
};
// The seeds' eleven first, byte for byte; then branches of the same kinds of organ.
const Branch kBranches[] = {
    {"gov1", "gov", "市政府机关第一党支部", "党支部", "坚强前哨·巩固后院"},
    {"xcrb", "media", "宣城日报社机关党支部", "党支部", "宣报党旗分外红"},
    {"youth", "mass", "团市委机关党支部", "党支部", "三色青春·党建有Young"},
    {"affairs", "service", "市机关事务局机关党支部", "党支部", "党建+‘四精’后勤"},
    {"citycc", "city", "市城管执法局城市管理监督指挥中心党支部", "党支部", "12319市民好帮手"},
    {"hrss", "social", "市人社局机关党支部", "党支部", "天地人和·亮赛比"},
    {"datatax", "data", "市数据资源管理局税务党支部", "党支部", "红蓝融 税先锋"},
    {"women", "mass", "市妇联机关党支部", "党支部", "萱姐姐"},
    {"xilin", "law", "市公安局西林派出所党支部", "党支部", "三元融合铸金盾"},
    {"grid", "soe", "国网宣城供电公司宣州供电服务中心党支部", "党总支", "‘宣’锋引领·‘州’到服务"},
    {"wuhu1", "office", "中共芜湖市委办公室第一党支部", "党支部", "忠诚奉献尽责 铸就‘四最’机关"},
    {"gov2", "gov", "市政府机关第二党支部", "党支部", "政务先锋·高效服务"},
    {"dev", "gov", "市发展改革委机关党委", "党委", "发改先锋·谋划引领"},
    {"finance", "gov", "市财政局机关党总支", "党总支", "红色财政·精打细算"},
    {"audit", "gov", "市审计局机关党支部", "党支部", "审计卫士·守护资金"},
    {"stats", "gov", "市统计局机关党支部", "党支部", "数说宣城·真实准确"},
    {"culture", "media", "市文化和旅游局机关党总支", "党总支", "文旅红·宣城韵"},
    {"radio", "media", "市广播电视台机关党委", "党委", "红色声屏·传播正能量"},
    {"archives", "media", "市档案馆党支部", "党支部", "红色档案·薪火相传"},
    {"union", "mass", "市总工会机关党支部", "党支部", "工会之家·职工贴心人"},
    {"sci", "mass", "市科协机关党支部", "党支部", "科技先锋·创新引领"},
    {"disabled", "mass", "市残联机关党支部", "党支部", "助残暖心·一路同行"},
    {"property", "service", "市机关事务局物业服务中心党支部", "党支部", "红色物业·温馨机关"},
    {"canteen", "service", "市机关第一食堂党支部", "党支部", "舌尖上的党建"},
    {"housing", "city", "市住房和城乡建设局机关党委", "党委", "安居宣城·匠心筑梦"},
    {"transport", "city", "市交通运输局机关党总支", "党总支", "红色交通·畅行宣城"},
    {"water", "city", "市水利局机关党支部", "党支部", "治水先锋·安澜宣城"},
    {"civil", "social", "市民政局机关党支部", "党支部", "民政为民·情暖万家"},
    {"medins", "social", "市医疗保障局机关党支部", "党支部", "医保为民·守护健康"},
    {"veterans", "social", "市退役军人事务局机关党支部", "党支部", "崇军拥军·老兵之家"},
    {"bigdata", "data", "市数据资源管理局大数据中心党支部", "党支部", "数字先锋·智慧宣城"},
    {"govsvc", "data", "市政务服务中心党总支", "党总支", "一网通办·宣心服务"},
    {"court", "law", "市中级人民法院机关党委", "党委", "公正司法·为民护航"},
    {"justice", "law", "市司法局机关党支部", "党支部", "法润宣城·公平正义"},
    {"procur", "law", "市人民检察院机关党总支", "党总支", "检察蓝·党旗红"},
    {"transgrp", "soe", "市交通投资集团党委", "党委", "交投先锋·路通民富"},
    {"watergrp", "soe", "市水务集团党支部", "党支部", "水润万家·党建领航"},
    {"office2", "office", "市委办公室第二党支部", "党支部", "三服务·出精品"},
    {"research", "office", "市委政策研究室党支部", "党支部", "调研先行·建言献策"},
    {"confid", "office", "市委机要保密局党支部", "党支部", "忠诚守密·红色机要"},
};

struct DemoUser {
  std::string id, name, role, org;
};

class Writer {
 public:
  Writer(engine::Engine& engine, Timestamp start) : engine_(engine), at_(start) {}

  void days(int n) { at_ = std::min(add_days(at_, n), engine_.now()); }
  // Jumps forward to `t` (never back, never past now).
  void at(Timestamp t) { at_ = std::min(std::max(at_, t), engine_.now()); }

  engine::CommandOutcome run(const DemoUser& who, std::string type, std::string stream,
                             boost::json::object args = {}) {
    engine::Command c;
    c.type = std::move(type);
    c.stream = std::move(stream);
    c.actor = {who.id, who.name, who.role, who.org};
    c.args = std::move(args);
    c.occurred_at = at_;
    const std::string what = c.type + " on " + c.stream;
    auto o = engine_.execute(std::move(c));
    if (!o.accepted() && error_.ok())
      error_ = Status::InvalidArgument(fmt::format(
          "{} refused: {}", what,
          o.rejection ? o.rejection->code + " " + o.rejection->detail : o.error.to_string()));
    return o;
  }
  const Status& error() const { return error_; }

 private:
  engine::Engine& engine_;
  Timestamp at_;
  Status error_;
};

boost::json::object points(double total) {
  boost::json::object out;
  for (const auto& [key, p] : workflows::spread_over_default_rubric(Decimal::nearest(total)))
    out[key] = workflows::decimal_json(p);
  return out;
}

}  // namespace

Result<std::string> load_demo(engine::Engine& engine, const std::string& admin_token) {
  {
    BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine.begin_read());
    BL_ASSIGN_OR_RETURN(auto wc,
                        engine::ViewReader(engine.environment(), txn).get(views::kOrgs, "wc"));
    if (wc)
      return std::string("Demo data is already loaded; log in with the tokens printed then.\n");
  }
  // Three years and two months of history, ending now; each year's work is dated from
  // `start` so the steps inside a year never run past now.
  const Timestamp start = add_days(add_years(engine.now(), -3), -60);
  Writer w(engine, start);
  std::map<std::string, std::string> tokens;
  const DemoUser system{"system", "系统", "admin", ""};
  auto make_user = [&](const DemoUser& u, std::string token = "") {
    if (token.empty()) token = api::new_token();
    tokens[u.id] = token;
    w.run(system, "user.create", user_stream(u.id),
          {{"id", u.id},
           {"name", u.name},
           {"role", u.role},
           {"org", u.org},
           {"token_sha256", to_hex(sha256(token))},
           {"token_id", api::new_token_id()}});
  };
  // The administrator comes first: business time never runs backwards through the log,
  // so nothing may be dated now before the history is written.
  DemoUser admin{"admin", "系统管理员", "admin", ""};
  make_user(admin, admin_token);
  if (!admin_token.empty()) tokens.erase("admin");

  w.run(admin, "org.create", org_stream("wc"),
        {{"id", "wc"}, {"name", "宣城市直机关工委"}, {"kind", "committee"}});
  for (const Unit& u : kUnits)
    w.run(admin, "org.create", org_stream(u.id),
          {{"id", u.id}, {"name", u.name}, {"kind", "unit"}, {"parent", "wc"}});
  for (const Branch& b : kBranches)
    w.run(admin, "org.create", org_stream(b.id),
          {{"id", b.id},
           {"name", b.name},
           {"kind", "branch"},
           {"parent", b.unit},
           {"org_type", b.org_type}});

  const DemoUser committee{"zhang", "张主任", "committee", "wc"};
  const DemoUser auditor{"li-audit", "李纪检", "auditor", "wc"};
  std::vector<DemoUser> experts;
  const char* homes[] = {"gov", "media", "mass", "law", "soe", "data"};
  const char* names[] = {"陈教授", "刘研究员", "周老师", "吴专家", "郑专家", "孙教授"};
  for (int i = 0; i < 6; ++i)
    experts.push_back({fmt::format("expert{}", i + 1), names[i], "expert", homes[i]});
  for (const DemoUser& u : {committee, auditor}) make_user(u);
  for (const DemoUser& u : experts) make_user(u);
  // A user for every unit's party committee and every branch secretary.
  auto unit_user = [](const Branch& b) {
    return DemoUser{fmt::format("{}-unit", b.unit), "党委专职副书记", "unit", b.unit};
  };
  auto branch_user = [](const Branch& b) {
    return DemoUser{fmt::format("{}-sec", b.id), "支部书记", "branch", b.id};
  };
  for (const Unit& u : kUnits)
    make_user({fmt::format("{}-unit", u.id), "党委专职副书记", "unit", u.id});
  for (const Branch& b : kBranches) make_user(branch_user(b));
  const DemoUser unit_gov = unit_user(kBranches[0]);
  const DemoUser branch_gov1 = branch_user(kBranches[0]);
  const int n = static_cast<int>(std::size(kBranches));

  // 培育 and 备案: every branch builds its brand; the last few stay behind at each step.
  for (int i = 0; i < n; ++i) {
    const Branch& b = kBranches[i];
    w.run(branch_user(b), "brand.create", brand_stream(b.id),
          {{"name", b.brand},
           {"slogan", "党建引领 业务融合"},
           {"theme", fmt::format("{}的党建品牌", b.name)},
           {"connotation", "把支部建在业务链上，破解党建和业务“两张皮”"},
           {"features", "一支部一特色，一党员一旗帜"},
           {"effects", i < 36 ? "服务对象满意度明显提升，业务指标稳步增长" : ""},
           {"business_link", "围绕中心、服务大局"},
           {"plan",
            {{"tasks", {"建机制", "强队伍", "树品牌"}},
             {"milestones", {"一年起步", "两年见效", "三年成型"}}}}});
  }
  w.days(20);
  for (int i = 0; i < 36; ++i)
    w.run(branch_user(kBranches[i]), "brand.submit", brand_stream(kBranches[i].id));
  w.days(10);
  for (int i = 0; i < 34; ++i)
    w.run(unit_user(kBranches[i]), "brand.approve", brand_stream(kBranches[i].id));
  w.run(unit_user(kBranches[34]), "brand.return", brand_stream(kBranches[34].id),
        {{"reason", "请补充年度创建计划"}});
  w.days(10);
  for (int i = 0; i < 32; ++i) w.run(committee, "brand.file", brand_stream(kBranches[i].id));
  w.run(branch_user(kBranches[34]), "brand.withdraw", brand_stream(kBranches[34].id),
        {{"comment", "支部调整，暂缓创建"}});

  boost::json::array expert_ids;
  for (const auto& e : experts) expert_ids.push_back(boost::json::string(e.id));
  // A round through to the given step over `brands` scored at `scores`.
  enum class Until { kOpen, kScoring, kClosed, kNotice, kFinalized };
  auto round = [&](const std::string& id, int year, const std::string& kind,
                   const std::vector<int>& brands, const std::vector<double>& scores, Until until,
                   const std::vector<int>& objections = {}) {
    w.run(committee, "round.open", round_stream(id),
          {{"name", fmt::format("{}年度党建品牌{}", year, kind == "selection" ? "评选" : "复评")},
           {"year", year},
           {"kind", kind}});
    for (int i : brands)
      w.run(kind == "selection" ? unit_user(kBranches[i]) : committee, "round.nominate",
            round_stream(id), {{"brand", kBranches[i].id}});
    if (until == Until::kOpen) return;
    w.run(committee, "round.assign", round_stream(id), {{"experts", expert_ids}});
    w.run(committee, "round.start", round_stream(id));
    w.days(7);
    for (std::size_t k = 0; k < brands.size(); ++k)
      for (const auto& e : experts)
        if (e.org != kBranches[brands[k]].unit)
          w.run(e, "round.score", round_stream(id),
                {{"brand", kBranches[brands[k]].id}, {"scores", points(scores[k])}});
    if (until == Until::kScoring) return;
    w.days(3);
    w.run(committee, "round.close", round_stream(id));
    if (until == Until::kClosed) return;
    w.run(committee, "round.notice", round_stream(id));
    for (int i : objections)
      w.run(unit_user(kBranches[(i + 3) % n]), "brand.objection", brand_stream(kBranches[i].id),
            {{"reason", "群众反映材料与实际不符"}});
    if (until == Until::kNotice) return;
    w.days(5);
    if (objections.size() >= 2) {
      w.run(committee, "brand.objection_decision", brand_stream(kBranches[objections[0]].id),
            {{"objection", "obj-1"}, {"upheld", true}});
      w.run(committee, "brand.objection_decision", brand_stream(kBranches[objections[1]].id),
            {{"objection", "obj-1"}, {"upheld", false}});
    }
    w.run(committee, "round.finalize", round_stream(id));
  };

  const int y0 = utc_year(add_days(start, 40));
  w.at(add_days(start, 40));
  round("sel-y1", y0, "selection", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
        {92, 91, 88, 86, 85, 83, 82, 81, 79, 76}, Until::kFinalized);
  w.at(add_days(add_years(start, 1), 40));
  round("sel-y2", y0 + 1, "selection", {10, 11, 12, 13, 14, 15, 8, 9},
        {90.5, 87, 86, 84, 81, 78, 83, 80.5}, Until::kFinalized);
  w.at(add_days(add_years(start, 2), 0));
  for (int i = 0; i < 20; ++i)
    w.run(branch_user(kBranches[i]), "brand.progress", brand_stream(kBranches[i].id),
          {{"year", y0 + 1}, {"summary", "年度自评：品牌创建稳步推进"}});
  w.at(add_days(add_years(start, 2), 40));
  round("sel-y3", y0 + 2, "selection", {16, 17, 18, 19, 20, 21}, {91, 88, 86, 84, 82, 75},
        Until::kFinalized, {18, 19});
  // Three years on: the first year's titles are re-reviewed (优进劣出).
  w.at(add_days(add_years(start, 3), 10));
  // 0: top10 -> demoted; 1: top10 retained; 2: demonstration -> promoted; 3: rectifying; 4:
  // revoked.
  round("rr-y4", y0 + 3, "re_review", {0, 1, 2, 3, 4}, {86, 93, 91, 66, 50}, Until::kFinalized);
  w.days(3);
  w.run(branch_user(kBranches[0]), "brand.appeal", brand_stream(kBranches[0].id),
        {{"reason", "评审时未充分考虑本年度成效，申请复核"}});
  // This year's rounds, at every step.
  w.at(add_days(add_years(start, 3), 35));
  round("sel-open", y0 + 3, "selection", {22, 23}, {}, Until::kOpen);
  round("sel-scoring", y0 + 3, "selection", {24, 25}, {85, 80}, Until::kScoring);
  round("sel-closed", y0 + 3, "selection", {26, 27}, {89, 70}, Until::kClosed);
  round("sel-notice", y0 + 3, "selection", {28, 29}, {91, 87}, Until::kNotice, {29});
  round("rr-open", y0 + 3, "re_review", {5}, {}, Until::kOpen);
  w.days(2);
  w.run(committee, "settings.put", std::string(workflows::kSettingsStream),
        {{"assessment",
          {{"filed_points", 3},
           {"title_bonus", {{"top10", 2}, {"demonstration", 1}, {"excellent", 0.5}}}}}});
  w.run(admin, "org.dissolve", org_stream(kBranches[30].id), {{"reason", "机构改革，支部撤并"}});
  BL_RETURN_IF_ERROR(w.error());

  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine.begin_read());
  BL_ASSIGN_OR_RETURN(storage::LogHead head, engine.log().head(txn));
  std::string out = fmt::format(
      "BrandLedger demo data loaded: 宣城市直机关工委, {} units, {} branches and their brands, {} "
      "events.\n"
      "Log in with a bearer token, e.g. curl -H 'Authorization: Bearer TOKEN' "
      "http://HOST:PORT/v1/me\n",
      std::size(kUnits), n, head.position);
  auto line = [&](const std::string& role, const std::string& who, const std::string& id) {
    out += fmt::format("  {:<10} {:<12} {}\n", role, who,
                       tokens.count(id) ? tokens[id] : "(your BRANDLEDGER_BOOTSTRAP_TOKEN)");
  };
  line("admin", "admin", "admin");
  line("committee", committee.id, committee.id);
  line("auditor", auditor.id, auditor.id);
  line("unit", unit_gov.id, unit_gov.id);
  line("branch", branch_gov1.id, branch_gov1.id);
  for (const auto& e : experts) line("expert", e.id, e.id);
  return out;
}

}  // namespace brandledger::app
