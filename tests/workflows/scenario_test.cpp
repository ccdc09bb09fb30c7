// Four years of 一支部一品牌 at 宣城市直机关工委, with the seeds' real names: three yearly
// selection rounds, then a re-review of the first year's titles that promotes one, demotes
// one, sends one to rectification and revokes one, and appeals.
#include "tests/workflows/domain_fixture.h"

using namespace brandledger;
using namespace brandledger::workflows;
using brandledger::testing::Harness;

namespace {

struct Branch {
  const char* id;
  const char* unit;
  const char* name;
  const char* org_type;
  const char* brand;
};

// Branch names and brand names exactly as the seeds give them: curly quotes, middle
// dots, inner spaces, Latin letters among the Han.
const Branch kBranches[] = {
    {"gov1", "gov", "市政府机关第一党支部", "党支部", "坚强前哨·巩固后院"},
    {"news", "media", "宣城日报社机关党支部", "党委", "宣报党旗分外红"},
    {"youth", "social", "团市委机关党支部", "党支部", "三色青春·党建有Young"},
    {"affairs", "gov", "市机关事务局机关党支部", "党总支", "党建+‘四精’后勤"},
    {"city", "law", "市城管执法局城市管理监督指挥中心党支部", "党支部", "12319市民好帮手"},
    {"hr", "social", "市人社局机关党支部", "党委", "天地人和·亮赛比"},
    {"tax", "gov", "市数据资源管理局税务党支部", "党总支", "红蓝融 税先锋"},
    {"women", "social", "市妇联机关党支部", "党支部", "萱姐姐"},
    {"police", "law", "市公安局西林派出所党支部", "党支部", "三元融合铸金盾"},
    {"grid", "media", "国网宣城供电公司宣州供电服务中心党支部", "党委", "‘宣’锋引领·‘州’到服务"},
    {"wuhu", "gov", "中共芜湖市委办公室第一党支部", "党总支", "忠诚奉献尽责 铸就‘四最’机关"},
};

class Scenario {
 public:
  Harness h{false};
  std::vector<engine::Actor> experts;

  Scenario() {
    h.ok(h.admin, "org.create", "org-wc",
         {{"id", "wc"}, {"name", "宣城市直机关工委"}, {"kind", "committee"}});
    const std::pair<const char*, const char*> units[] = {{"gov", "市政府系统机关党委"},
                                                         {"media", "市直媒体与企业党委"},
                                                         {"social", "市群团机关党委"},
                                                         {"law", "市政法机关党委"}};
    for (const auto& [id, name] : units)
      h.ok(h.admin, "org.create", std::string("org-") + id,
           {{"id", id}, {"name", name}, {"kind", "unit"}, {"parent", "wc"}});
    for (const Branch& b : kBranches)
      h.ok(h.admin, "org.create", std::string("org-") + b.id,
           {{"id", b.id},
            {"name", b.name},
            {"kind", "branch"},
            {"parent", b.unit},
            {"org_type", b.org_type}});
    const char* homes[] = {"gov", "media", "social", "law", "gov", "media"};
    for (int i = 0; i < 6; ++i)
      experts.push_back(h.add_expert("expert" + std::to_string(i + 1), homes[i]));
    for (const Branch& b : kBranches) {
      h.ok(h.branch(b.id), "brand.create", brand_stream(b.id),
           {{"name", b.brand},
            {"slogan", "党建引领 业务融合"},
            {"theme", "融合"},
            {"connotation", "两张皮变一盘棋"},
            {"features", "一支部一特色"},
            {"effects", "群众满意度提升"},
            {"business_link", "主责主业"}});
      h.ok(h.branch(b.id), "brand.submit", brand_stream(b.id));
      h.ok(h.unit(b.unit), "brand.approve", brand_stream(b.id));
      h.ok(h.committee, "brand.file", brand_stream(b.id));
    }
  }

  void year_round(const std::string& round, int year,
                  const std::vector<std::pair<std::string, double>>& scored,
                  const std::string& kind = "selection") {
    h.ok(h.committee, "round.open", round_stream(round),
         {{"name", std::to_string(year) + "年度党建品牌" + (kind == "selection" ? "评选" : "复评")},
          {"year", year},
          {"kind", kind}});
    for (const auto& [brand, _] : scored) {
      const std::string unit = h.brand(brand).unit;
      h.ok(h.unit(unit), "round.nominate", round_stream(round), {{"brand", brand}});
    }
    boost::json::array ids;
    for (const auto& e : experts) ids.push_back(boost::json::string(e.id));
    h.ok(h.committee, "round.assign", round_stream(round), {{"experts", ids}});
    h.ok(h.committee, "round.start", round_stream(round));
    for (const auto& [brand, total] : scored) h.score_all(round, brand, total, experts);
    h.close_and_notice(round);
    h.finalize_after_notice(round);
  }

  void at(const char* day) { REQUIRE(h.engine().advance_clock(*parse_rfc3339(day)).ok()); }
};

}  // namespace

TEST_CASE(
    "four years at 宣城市直机关工委: three selections, a re-review with every outcome, appeals") {
  Scenario s;
  Harness& h = s.h;
  for (const Branch& b : kBranches) CHECK(h.brand(b.id).name == b.brand);
  CHECK(h.brand("wuhu").filing_no == "备-2031-0011");

  // 2031: four titles.
  s.year_round("y2031", 2031,
               {{"gov1", 86}, {"news", 91}, {"youth", 81}, {"affairs", 80.5}, {"city", 70}});
  CHECK(h.brand("gov1").title == Title::kDemonstration);
  CHECK(h.brand("news").title == Title::kTop10);
  CHECK(h.brand("youth").title == Title::kExcellent);
  CHECK(h.brand("affairs").title == Title::kExcellent);
  CHECK(h.brand("city").status() == BrandStatus::kFiled);

  // 2032 and 2033: the rest, and the one that missed.
  s.at("2032-03-01T08:00:00Z");
  s.year_round("y2032", 2032, {{"city", 88}, {"hr", 84}, {"tax", 92}});
  s.at("2033-03-01T08:00:00Z");
  s.year_round("y2033", 2033, {{"women", 90.5}, {"police", 79}, {"grid", 85}, {"wuhu", 81}});
  CHECK(h.brand("women").title == Title::kTop10);
  CHECK(h.brand("police").status() == BrandStatus::kFiled);
  for (const Branch& b : kBranches) INFO(b.id << " " << status_code(h.brand(b.id).status()));

  // 2034: the 2031 titles come up for re-review (优进劣出).
  s.at("2034-02-01T08:00:00Z");
  s.year_round("r2034", 2034, {{"gov1", 92}, {"news", 82}, {"youth", 65}, {"affairs", 50}},
               "re_review");
  auto gov1 = h.brand("gov1"), news = h.brand("news"), youth = h.brand("youth"),
       affairs = h.brand("affairs");
  CHECK(gov1.title == Title::kTop10);  // promoted
  CHECK(gov1.status() == BrandStatus::kNamed);
  CHECK(news.title == Title::kExcellent);  // demoted
  CHECK(news.status() == BrandStatus::kNamed);
  CHECK(youth.status() == BrandStatus::kRectifying);
  CHECK(youth.title == Title::kExcellent);
  CHECK(affairs.status() == BrandStatus::kFiled);  // revoked
  CHECK_FALSE(affairs.title);
  CHECK(format_rfc3339(*gov1.valid_until) == "2037-02-06T08:00:00Z");
  const auto results = h.round("r2034").results;
  REQUIRE(results.size() == 4);
  CHECK(outcome_code(results[0].outcome) == "promoted");
  CHECK(outcome_code(results[3].outcome) == "revoked");

  // Appeals within ten days: the demotion is overturned, the revocation stands.
  h.advance_days(3);
  h.ok(h.branch("news"), "brand.appeal", brand_stream("news"), {{"reason", "评分有误，申请复核"}});
  h.ok(h.branch("affairs"), "brand.appeal", brand_stream("affairs"), {{"reason", "已整改到位"}});
  h.ok(h.committee, "brand.appeal_decision", brand_stream("news"), {{"granted", true}});
  h.ok(h.committee, "brand.appeal_decision", brand_stream("affairs"), {{"granted", false}});
  CHECK(h.brand("news").title == Title::kTop10);
  CHECK(h.brand("news").status() == BrandStatus::kNamed);
  CHECK(h.brand("affairs").status() == BrandStatus::kFiled);
  CHECK(h.brand("affairs").reapply_after.has_value());

  // Rectification passes before its deadline; the revoked brand waits out its cooling-off.
  h.advance_days(60);
  h.ok(h.committee, "brand.rectification", brand_stream("youth"), {{"passed", true}});
  CHECK(h.brand("youth").status() == BrandStatus::kNamed);
  h.ok(h.committee, "round.open", round_stream("y2034"),
       {{"name", "2034年度党建品牌评选"}, {"year", 2034}});
  h.refused(h.unit("gov"), "round.nominate", round_stream("y2034"), {{"brand", "affairs"}},
            "cooling_off");

  // The 2032 and 2033 titles stand; every event is in the log and the chain verifies.
  CHECK(h.brand("tax").title == Title::kTop10);
  CHECK(h.brand("women").status() == BrandStatus::kNamed);
  auto txn = h.engine().begin_read();
  auto report = h.engine().log().verify(*txn);
  REQUIRE(report.ok());
  CHECK(report->ok);
  auto news_history = h.engine().log().read_stream(*txn, brand_stream("news"));
  REQUIRE(news_history.ok());
  CHECK(news_history->front().type == "BrandCreated");
  CHECK(news_history->back().type == "AppealGranted");
  CHECK(news_history->back().actor.role == "committee");
}
