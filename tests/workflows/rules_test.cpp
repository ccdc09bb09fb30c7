// One test per rule of DOMAIN.md, through the engine with the real domain.
#include "tests/workflows/domain_fixture.h"

using namespace brandledger;
using namespace brandledger::workflows;
using brandledger::testing::Harness;

namespace {

struct RoundSetup {
  std::vector<engine::Actor> experts;
};

// Experts e1..e6, two per unit.
std::vector<engine::Actor> add_experts(Harness& h) {
  std::vector<engine::Actor> out;
  const char* units[] = {"u1", "u2", "u3"};
  for (int i = 0; i < 6; ++i)
    out.push_back(h.add_expert("e" + std::to_string(i + 1), units[i % 3]));
  return out;
}

boost::json::array ids(const std::vector<engine::Actor>& experts) {
  boost::json::array a;
  for (const auto& e : experts) a.push_back(boost::json::string(e.id));
  return a;
}

// Opens a round, nominates the brands, assigns the experts and starts scoring.
void open_and_start(Harness& h, const std::string& round, const std::vector<std::string>& brands,
                    const std::vector<engine::Actor>& experts, boost::json::object extra = {}) {
  boost::json::object args{{"name", "2031年度党建品牌评选"}, {"year", 2031}};
  for (auto& [k, v] : extra) args[k] = v;
  h.ok(h.committee, "round.open", round_stream(round), args);
  for (const auto& b : brands)
    h.ok(h.committee, "round.nominate", round_stream(round), {{"brand", b}});
  h.ok(h.committee, "round.assign", round_stream(round), {{"experts", ids(experts)}});
  h.ok(h.committee, "round.start", round_stream(round));
}

// Nominates, scores (brand -> points), closes and publishes the notice.
void through_notice(Harness& h, const std::string& round,
                    const std::vector<std::pair<std::string, double>>& scored,
                    const std::vector<engine::Actor>& experts, boost::json::object extra = {}) {
  std::vector<std::string> brands;
  for (const auto& [b, _] : scored) brands.push_back(b);
  open_and_start(h, round, brands, experts, std::move(extra));
  for (const auto& [b, total] : scored) h.score_all(round, b, total, experts);
  h.close_and_notice(round);
}

// The whole round: through the notice, five days, finalized.
void through_finalize(Harness& h, const std::string& round,
                      const std::vector<std::pair<std::string, double>>& scored,
                      const std::vector<engine::Actor>& experts, boost::json::object extra = {}) {
  through_notice(h, round, scored, experts, std::move(extra));
  h.finalize_after_notice(round);
}

}  // namespace

TEST_CASE("四有: a brand is submitted only with theme, connotation, features and effects") {
  Harness h;
  h.ok(h.branch("b1"), "brand.create", brand_stream("x"),
       {{"name", "萱姐姐"}, {"theme", "巾帼"}, {"connotation", "  "}});
  h.refused(h.branch("b1"), "brand.submit", brand_stream("x"), {}, "incomplete_four_haves");
  h.ok(h.branch("b1"), "brand.edit", brand_stream("x"),
       {{"connotation", "贴心服务"},
        {"features", "姐姐式服务"},
        {"effects", "　"}});  // ideographic space is blank
  h.refused(h.branch("b1"), "brand.submit", brand_stream("x"), {}, "incomplete_four_haves");
  h.ok(h.branch("b1"), "brand.edit", brand_stream("x"), {{"effects", "群众满意"}});
  h.ok(h.branch("b1"), "brand.submit", brand_stream("x"));
  CHECK(h.brand("x").status() == BrandStatus::kSubmitted);
  CHECK(h.brand("x").name == "萱姐姐");
}

TEST_CASE("one branch, one brand: a branch has at most one active brand") {
  Harness h;
  h.create_brand("b1", "first");
  h.refused(h.branch("b1"), "brand.create", brand_stream("second"), {{"name", "三元融合铸金盾"}},
            "one_brand_per_branch");
  h.ok(h.branch("b1"), "brand.withdraw", brand_stream("first"));
  h.create_brand("b1", "second", "三元融合铸金盾");
  h.refused(h.branch("b1"), "brand.reopen", brand_stream("first"), {}, "one_brand_per_branch");
  h.ok(h.committee, "brand.cancel", brand_stream("second"), {{"reason", "合并"}});
  h.ok(h.branch("b1"), "brand.reopen", brand_stream("first"));
  CHECK(h.brand("first").status() == BrandStatus::kCultivating);
}

TEST_CASE("unit scope: a unit or branch user acts only inside its own subtree") {
  Harness h;
  h.create_brand("b1", "x");  // b1 is in u1
  h.refused(h.branch("b2"), "brand.submit", brand_stream("x"), {}, "forbidden");
  h.ok(h.branch("b1"), "brand.submit", brand_stream("x"));
  h.refused(h.unit("u2"), "brand.approve", brand_stream("x"), {}, "forbidden");
  h.refused(h.committee, "brand.approve", brand_stream("x"), {}, "forbidden");  // the unit's job
  h.refused(h.auditor, "brand.approve", brand_stream("x"), {}, "forbidden");
  h.ok(h.unit("u1"), "brand.approve", brand_stream("x"));
  h.refused(h.unit("u1"), "brand.file", brand_stream("x"), {}, "forbidden");
  h.refused(h.branch("b1"), "brand.create", brand_stream("y"), {{"name", "n"}, {"branch", "b3"}},
            "forbidden");
}

TEST_CASE("returns go back to cultivating, by the reviewer whose turn it is, with a reason") {
  Harness h;
  h.create_brand("b1", "x");
  h.ok(h.branch("b1"), "brand.submit", brand_stream("x"));
  h.refused(h.unit("u1"), "brand.return", brand_stream("x"), {}, "invalid_field");
  h.refused(h.committee, "brand.return", brand_stream("x"), {{"reason", "r"}}, "forbidden");
  h.ok(h.unit("u1"), "brand.return", brand_stream("x"), {{"reason", "材料不全"}});
  CHECK(h.brand("x").status() == BrandStatus::kCultivating);
  h.ok(h.branch("b1"), "brand.submit", brand_stream("x"));
  h.ok(h.unit("u1"), "brand.approve", brand_stream("x"));
  h.refused(h.unit("u1"), "brand.return", brand_stream("x"), {{"reason", "r"}}, "forbidden");
  h.ok(h.committee, "brand.return", brand_stream("x"), {{"reason", "特色不鲜明"}});
  CHECK(h.brand("x").status() == BrandStatus::kCultivating);
}

TEST_CASE("filing numbers count per year: 备-YYYY-NNNN") {
  Harness h;
  h.filed_brand("b1", "a");
  h.filed_brand("b3", "b");
  CHECK(h.brand("a").filing_no == "备-2031-0001");
  CHECK(h.brand("b").filing_no == "备-2031-0002");
  REQUIRE(h.engine().advance_clock(*parse_rfc3339("2032-01-02T00:00:00Z")).ok());
  h.filed_brand("b5", "c");
  CHECK(h.brand("c").filing_no == "备-2032-0001");
}

TEST_CASE("conflict of interest: an expert never scores a brand of its own home unit") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");  // unit u1
  open_and_start(h, "r1", {"x"}, experts);
  h.refused(experts[0], "round.score", round_stream("r1"),
            {{"brand", "x"}, {"scores", Harness::points(90)}}, "conflict_of_interest");
  h.ok(experts[1], "round.score", round_stream("r1"),
       {{"brand", "x"}, {"scores", Harness::points(90)}});
  auto outsider = h.expert("e9", "u2");
  h.refused(outsider, "round.score", round_stream("r1"),
            {{"brand", "x"}, {"scores", Harness::points(90)}}, "forbidden");
}

TEST_CASE("scores cover every criterion of the rubric, each from 0 to its maximum") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  open_and_start(h, "r1", {"x"}, experts);
  auto scores = Harness::points(90);
  scores.erase("effects");
  h.refused(experts[1], "round.score", round_stream("r1"), {{"brand", "x"}, {"scores", scores}},
            "scores_missing");
  scores = Harness::points(90);
  scores["effects"] = 31;
  h.refused(experts[1], "round.score", round_stream("r1"), {{"brand", "x"}, {"scores", scores}},
            "score_out_of_range");
  scores["effects"] = -1;
  h.refused(experts[1], "round.score", round_stream("r1"), {{"brand", "x"}, {"scores", scores}},
            "score_out_of_range");
  scores = Harness::points(90);
  scores["charisma"] = 5;
  h.refused(experts[1], "round.score", round_stream("r1"), {{"brand", "x"}, {"scores", scores}},
            "unknown_criterion");
  scores = Harness::points(90);
  scores["effects"] = "高";
  h.refused(experts[1], "round.score", round_stream("r1"), {{"brand", "x"}, {"scores", scores}},
            "invalid_field");
}

TEST_CASE("re-scoring before close replaces the earlier score") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  open_and_start(h, "r1", {"x"}, experts);
  h.score_all("r1", "x", 70, experts);
  h.score_all("r1", "x", 92, experts);
  CHECK(h.round("r1").scores.at("x").size() == 4);
  h.ok(h.committee, "round.close", round_stream("r1"));
  CHECK(*h.round("r1").results.at(0).final == Decimal::from_int(92));
  CHECK(h.brand("x").proposed_title == Title::kTop10);
  h.refused(experts[1], "round.score", round_stream("r1"),
            {{"brand", "x"}, {"scores", Harness::points(50)}}, "illegal_transition");
}

TEST_CASE("closing refuses while scores are missing, unless forced") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  h.filed_brand("b3", "y");
  open_and_start(h, "r1", {"x", "y"}, experts);
  h.score_all("r1", "x", 88, experts);
  h.ok(experts[0], "round.score", round_stream("r1"),
       {{"brand", "y"}, {"scores", Harness::points(95)}});
  auto refused =
      h.refused(h.committee, "round.close", round_stream("r1"), {}, "scores_missing");
  CHECK(refused.rejection->detail.find(": y;") != std::string::npos);  // names the brand
  h.ok(h.committee, "round.close", round_stream("r1"), {{"force", true}});
  // y has one score, fewer than min_scores 3: ranked last, not scored, back to filed.
  auto r = h.round("r1");
  CHECK(r.results.at(0).brand == "x");
  CHECK(r.results.at(1).brand == "y");
  CHECK_FALSE(r.results.at(1).final);
  CHECK(r.results.at(1).outcome == Outcome::kNotScored);
  CHECK(r.results.at(0).outcome == Outcome::kSelected);
  CHECK(h.brand("y").status() == BrandStatus::kFiled);
  CHECK(h.brand("x").status() == BrandStatus::kProposed);
}

TEST_CASE("closing needs min_scores per brand even when every assigned expert scored") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");  // unit u1: experts e1 and e4 recuse
  const std::vector<engine::Actor> two = {experts[1], experts[2]};
  open_and_start(h, "r1", {"x"}, two);
  h.score_all("r1", "x", 95, two);
  h.refused(h.committee, "round.close", round_stream("r1"), {}, "scores_missing");
  h.ok(h.committee, "round.close", round_stream("r1"), {{"force", true}});
  CHECK(h.round("r1").results.at(0).outcome == Outcome::kNotScored);
  CHECK(h.brand("x").status() == BrandStatus::kFiled);
}

TEST_CASE("a re-review brand left with too few scores keeps its title and stays due") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  h.filed_brand("b3", "y");
  through_finalize(h, "r1", {{"x", 91}, {"y", 86}}, experts);
  const auto due = h.brand("x").valid_until;
  REQUIRE(due);
  h.advance_days(3 * 365 - 10);
  open_and_start(h, "rr", {"x", "y"}, experts, {{"kind", "re_review"}});
  h.score_all("rr", "y", 87, experts);
  h.ok(experts[1], "round.score", round_stream("rr"),
       {{"brand", "x"}, {"scores", Harness::points(40)}});
  h.refused(h.committee, "round.close", round_stream("rr"), {}, "scores_missing");
  h.ok(h.committee, "round.close", round_stream("rr"), {{"force", true}});
  h.ok(h.committee, "round.notice", round_stream("rr"));
  h.advance_days(5);
  h.ok(h.committee, "round.finalize", round_stream("rr"));
  const auto& results = h.round("rr").results;
  auto x = std::find_if(results.begin(), results.end(), [](auto& p) { return p.brand == "x"; });
  REQUIRE(x != results.end());
  CHECK(x->outcome == Outcome::kNotScored);
  CHECK_FALSE(x->final);
  CHECK(h.brand("x").status() == BrandStatus::kNamed);
  CHECK(h.brand("x").title == Title::kTop10);
  CHECK(h.brand("x").valid_until == due);  // no judgement: the re-review stays due
  CHECK(h.brand("y").valid_until > due);   // judged: retained, validity extended
}

TEST_CASE("an expert from the committee or from outside scores brands of every unit") {
  Harness h;
  auto experts = add_experts(h);
  const auto outsider = h.add_expert("dangxiao", "wc");  // 党校: belongs to the committee
  h.refused(h.admin, "user.create", "user-bad",
            {{"id", "bad"},
             {"name", "n"},
             {"role", "expert"},
             {"org", "b1"},
             {"token_sha256", std::string(64, '0')}, {"token_id", "tk-1"}},
            "invalid_org");
  h.filed_brand("b1", "x");
  h.filed_brand("b3", "y");
  std::vector<engine::Actor> panel = {experts[1], experts[2], outsider};
  open_and_start(h, "r1", {"x", "y"}, panel);
  h.ok(outsider, "round.score", round_stream("r1"), {{"brand", "x"}, {"scores", Harness::points(90)}});
  h.ok(outsider, "round.score", round_stream("r1"), {{"brand", "y"}, {"scores", Harness::points(90)}});
  CHECK(h.round("r1").scores.at("x").count("dangxiao") == 1);
  CHECK(h.round("r1").scores.at("y").count("dangxiao") == 1);
}

TEST_CASE("points are exact decimals with at most one decimal place") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  open_and_start(h, "r1", {"x"}, experts);
  // 9.2 + 19.9 + 19.9 + 29.9 + 9.9 + 0.1: 89 in binary floating point is 88.99999999999999.
  boost::json::object scores{{"identity", 9.2},  {"connotation", 19.9}, {"mechanism", 19.9},
                             {"effects", 29.9},  {"influence", 9.9},    {"presentation", 0.2}};
  for (const auto& e : experts)
    if (e.org != "u1") h.ok(e, "round.score", round_stream("r1"), {{"brand", "x"}, {"scores", scores}});
  CHECK(h.round("r1").scores.at("x").begin()->second.total == Decimal::from_int(89));
  scores["identity"] = 9.25;
  h.refused(experts[1], "round.score", round_stream("r1"), {{"brand", "x"}, {"scores", scores}},
            "invalid_field");
  h.ok(h.committee, "round.close", round_stream("r1"));
  CHECK(*h.round("r1").results.at(0).final == Decimal::from_int(89));
}

TEST_CASE("quotas: a unit nominates within its quota and the committee is not bound by it") {
  Harness h;
  h.filed_brand("b1", "x");
  h.filed_brand("b2", "y");  // both in u1
  h.ok(h.committee, "round.open", round_stream("r1"),
       {{"name", "评选"}, {"year", 2031}, {"unit_quota", 1}});
  h.ok(h.unit("u1"), "round.nominate", round_stream("r1"), {{"brand", "x"}});
  h.refused(h.unit("u1"), "round.nominate", round_stream("r1"), {{"brand", "y"}}, "quota_exceeded");
  h.refused(h.unit("u2"), "round.nominate", round_stream("r1"), {{"brand", "y"}}, "forbidden");
  h.ok(h.committee, "round.nominate", round_stream("r1"), {{"brand", "y"}});
  h.refused(h.committee, "round.nominate", round_stream("r1"), {{"brand", "y"}}, "duplicate");
}

TEST_CASE("thresholds and title quotas give titles walking the ranking") {
  Harness h;
  auto experts = add_experts(h);
  const std::vector<std::pair<std::string, double>> brands = {
      {"b1", 95}, {"b2", 93}, {"b3", 87}, {"b4", 82}, {"b5", 70}};
  std::vector<std::string> ids_;
  for (const auto& [branch, _] : brands)
    ids_.push_back(h.filed_brand(branch, "brand-of-" + branch));
  open_and_start(h, "r1", ids_, experts,
                 {{"quotas", {{"top10", 1}, {"demonstration", 1}, {"excellent", 5}}}});
  for (std::size_t i = 0; i < brands.size(); ++i)
    h.score_all("r1", ids_[i], brands[i].second, experts);
  h.ok(h.committee, "round.close", round_stream("r1"));
  CHECK(h.brand(ids_[0]).proposed_title == Title::kTop10);
  CHECK(h.brand(ids_[1]).proposed_title == Title::kDemonstration);
  CHECK(h.brand(ids_[2]).proposed_title == Title::kExcellent);  // demonstration quota used up
  CHECK(h.brand(ids_[3]).proposed_title == Title::kExcellent);
  CHECK(h.brand(ids_[4]).status() == BrandStatus::kFiled);
}

TEST_CASE("notice period: finalization waits for the public notice to end") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  open_and_start(h, "r1", {"x"}, experts, {{"notice_days", 7}});
  h.score_all("r1", "x", 91, experts);
  h.ok(h.committee, "round.close", round_stream("r1"));
  h.ok(h.committee, "round.notice", round_stream("r1"));
  CHECK(h.brand("x").status() == BrandStatus::kPublicNotice);
  h.advance_days(6);
  h.refused(h.committee, "round.finalize", round_stream("r1"), {}, "notice_not_ended");
  h.advance_days(1);
  h.ok(h.committee, "round.finalize", round_stream("r1"));
  auto b = h.brand("x");
  CHECK(b.status() == BrandStatus::kNamed);
  CHECK(b.title == Title::kTop10);
  CHECK(format_rfc3339(*b.valid_until) == format_rfc3339(add_years(h.engine().now(), 3)));
}

TEST_CASE(
    "objections: upheld sends the brand back to filed, dismissed back to notice, none pending at "
    "finalization") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  h.filed_brand("b3", "y");
  through_notice(h, "r1", {{"x", 91}, {"y", 86}}, experts);
  auto raised =
      h.ok(h.branch("b5"), "brand.objection", brand_stream("x"), {{"reason", "材料造假"}});
  CHECK(raised.reply.at("id") == "obj-1");
  h.ok(h.unit("u3"), "brand.objection", brand_stream("y"), {{"reason", "成效存疑"}});
  h.advance_days(5);
  h.refused(h.committee, "round.finalize", round_stream("r1"), {}, "objection_pending");
  h.refused(h.unit("u1"), "brand.objection_decision", brand_stream("x"),
            {{"objection", "obj-1"}, {"upheld", true}}, "forbidden");
  h.ok(h.committee, "brand.objection_decision", brand_stream("x"),
       {{"objection", "obj-1"}, {"upheld", true}});
  h.ok(h.committee, "brand.objection_decision", brand_stream("y"),
       {{"objection", "obj-1"}, {"upheld", false}});
  CHECK(h.brand("x").status() == BrandStatus::kFiled);
  CHECK(h.brand("y").status() == BrandStatus::kPublicNotice);
  h.ok(h.committee, "round.finalize", round_stream("r1"));
  CHECK(h.brand("x").status() == BrandStatus::kFiled);
  CHECK(h.brand("y").status() == BrandStatus::kNamed);
  CHECK(h.brand("y").title == Title::kDemonstration);
}

TEST_CASE("cooling-off: a revoked brand may not be nominated again for two years") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  through_finalize(h, "r1", {{"x", 91}}, experts);
  h.ok(h.committee, "brand.revoke", brand_stream("x"), {{"reason", "违纪"}, {"veto", true}});
  auto b = h.brand("x");
  CHECK(b.status() == BrandStatus::kFiled);
  CHECK_FALSE(b.title);
  h.ok(h.committee, "round.open", round_stream("r2"), {{"name", "次年评选"}, {"year", 2032}});
  h.refused(h.committee, "round.nominate", round_stream("r2"), {{"brand", "x"}}, "cooling_off");
  h.advance_days(2 * 365 + 1);
  h.ok(h.committee, "round.nominate", round_stream("r2"), {{"brand", "x"}});
}

TEST_CASE(
    "rectification: passed keeps the title, failed revokes it, a missed deadline revokes it") {
  Harness h;
  auto experts = add_experts(h);
  const std::vector<std::string> brands = {h.filed_brand("b1", "pass"), h.filed_brand("b3", "fail"),
                                           h.filed_brand("b5", "late")};
  through_finalize(h, "r1", {{"pass", 86}, {"fail", 86}, {"late", 86}}, experts);
  h.advance_days(3 * 365);
  // Re-review: all three score 65, between the rectify threshold and excellent.
  through_finalize(h, "rr", {{"pass", 65}, {"fail", 65}, {"late", 65}}, experts,
                   {{"kind", "re_review"}});
  for (const auto& b : brands) CHECK(h.brand(b).status() == BrandStatus::kRectifying);

  h.ok(h.committee, "brand.rectification", brand_stream("pass"), {{"passed", true}});
  h.ok(h.committee, "brand.rectification", brand_stream("fail"), {{"passed", false}});
  CHECK(h.brand("pass").status() == BrandStatus::kNamed);
  CHECK(h.brand("pass").title == Title::kDemonstration);
  CHECK(h.brand("fail").status() == BrandStatus::kFiled);
  CHECK_FALSE(h.brand("fail").title);
  h.advance_days(89);
  CHECK(h.brand("late").status() == BrandStatus::kRectifying);
  h.advance_days(1);  // the deadline passes undecided: the system revokes
  auto late = h.brand("late");
  CHECK(late.status() == BrandStatus::kFiled);
  CHECK_FALSE(late.title);
  CHECK(late.reapply_after.has_value());
}

TEST_CASE("expiry: a title lapses 90 days after valid_until without a re-review outcome") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  through_finalize(h, "r1", {{"x", 91}}, experts);
  const Timestamp valid_until = *h.brand("x").valid_until;
  REQUIRE(h.engine().advance_clock(add_days(valid_until, 89)).ok());
  CHECK(h.brand("x").status() == BrandStatus::kNamed);
  REQUIRE(h.engine().advance_clock(add_days(valid_until, 90)).ok());
  CHECK(h.brand("x").status() == BrandStatus::kFiled);
  CHECK_FALSE(h.brand("x").title);
}

TEST_CASE(
    "appeal: within 10 days of a demotion or revocation, granted restores, rejected keeps the "
    "decision") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  h.filed_brand("b3", "y");
  through_finalize(h, "r1", {{"x", 91}, {"y", 91}}, experts);
  h.refused(h.branch("b1"), "brand.appeal", brand_stream("x"), {{"reason", "r"}},
            "nothing_to_appeal");

  h.ok(h.committee, "brand.revoke", brand_stream("x"), {{"reason", "举报"}, {"veto", false}});
  h.ok(h.committee, "brand.revoke", brand_stream("y"), {{"reason", "举报"}, {"veto", false}});
  h.advance_days(10);
  h.ok(h.branch("b1"), "brand.appeal", brand_stream("x"), {{"reason", "举报不实"}});
  h.advance_days(1);
  h.refused(h.branch("b3"), "brand.appeal", brand_stream("y"), {{"reason", "迟到"}},
            "appeal_window_closed");
  CHECK(h.brand("x").status() == BrandStatus::kAppeal);
  h.ok(h.committee, "brand.appeal_decision", brand_stream("x"), {{"granted", true}});
  auto x = h.brand("x");
  CHECK(x.status() == BrandStatus::kNamed);
  CHECK(x.title == Title::kTop10);
  CHECK(x.valid_until.has_value());

  h.ok(h.committee, "brand.revoke", brand_stream("x"), {{"reason", "再次核查"}});
  h.ok(h.branch("b1"), "brand.appeal", brand_stream("x"), {{"reason", "申诉"}});
  h.ok(h.committee, "brand.appeal_decision", brand_stream("x"), {{"granted", false}});
  CHECK(h.brand("x").status() == BrandStatus::kFiled);
  CHECK_FALSE(h.brand("x").title);
}

TEST_CASE("cancellation: dissolving a branch cancels its brand without penalty") {
  Harness h;
  h.filed_brand("b1", "x");
  h.refused(h.committee, "org.dissolve", "org-u1", {}, "unsupported_org_kind");
  h.ok(h.admin, "org.dissolve", "org-b1", {{"reason", "机构改革合并"}});
  auto b = h.brand("x");
  CHECK(b.status() == BrandStatus::kCancelled);
  CHECK_FALSE(b.reapply_after);
  h.refused(h.branch("b1"), "brand.create", brand_stream("y"), {{"name", "新品牌"}},
            "org_dissolved");
  h.refused(h.admin, "org.dissolve", "org-b1", {}, "illegal_transition");
}

TEST_CASE("orgs and users are checked: ids, kinds, parents, roles and scopes") {
  Harness h;
  h.refused(h.admin, "org.create", "org-bad id",
            {{"id", "bad id"}, {"name", "n"}, {"kind", "unit"}, {"parent", "wc"}}, "invalid_field");
  h.refused(h.admin, "org.create", "org-u9",
            {{"id", "u9"}, {"name", "n"}, {"kind", "unit"}, {"parent", "b1"}}, "invalid_parent");
  h.refused(
      h.admin, "org.create", "org-b9",
      {{"id", "b9"}, {"name", "n"}, {"kind", "branch"}, {"parent", "u1"}, {"org_type", "小组"}},
      "invalid_field");
  h.refused(h.admin, "org.create", "org-u1",
            {{"id", "u1"}, {"name", "n"}, {"kind", "unit"}, {"parent", "wc"}}, "duplicate");
  h.refused(h.committee, "org.create", "org-u8",
            {{"id", "u8"}, {"name", "n"}, {"kind", "unit"}, {"parent", "wc"}}, "forbidden");
  h.refused(h.admin, "user.create", "user-x",
            {{"id", "x"},
             {"name", "n"},
             {"role", "branch"},
             {"org", "u1"},
             {"token_sha256", std::string(64, '0')}, {"token_id", "tk-1"}},
            "invalid_org");
  h.refused(h.admin, "user.create", "user-x",
            {{"id", "x"},
             {"name", "n"},
             {"role", "king"},
             {"org", "u1"},
             {"token_sha256", std::string(64, '0')}, {"token_id", "tk-1"}},
            "invalid_field");
  h.ok(h.admin, "user.create", "user-x",
       {{"id", "x"},
        {"name", "n"},
        {"role", "branch"},
        {"org", "b1"},
        {"token_sha256", std::string(64, '0')}, {"token_id", "tk-1"}});
  CHECK(h.state<OrgState>("org-b2").org_type == "党总支");
}

TEST_CASE(
    "a veto during an appeal keeps what the appealed revocation took: a later granted appeal "
    "restores the title") {
  Harness h;
  auto experts = add_experts(h);
  h.filed_brand("b1", "x");
  through_finalize(h, "r1", {{"x", 91}}, experts);
  h.ok(h.committee, "brand.revoke", brand_stream("x"), {{"reason", "举报"}});
  h.ok(h.branch("b1"), "brand.appeal", brand_stream("x"), {{"reason", "申诉"}});
  h.ok(h.committee, "brand.revoke", brand_stream("x"), {{"reason", "一票否决"}, {"veto", true}});
  CHECK(h.brand("x").status() == BrandStatus::kFiled);
  h.ok(h.branch("b1"), "brand.appeal", brand_stream("x"), {{"reason", "再次申诉"}});
  h.ok(h.committee, "brand.appeal_decision", brand_stream("x"), {{"granted", true}});
  auto b = h.brand("x");
  CHECK(b.status() == BrandStatus::kNamed);
  CHECK(b.title == Title::kTop10);
  CHECK(b.valid_until.has_value());
}

namespace {

// `n` characters of three bytes each: a limit in characters holds 3n bytes of them.
std::string han(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "党";
  return s;
}

boost::json::object with(boost::json::object args, const boost::json::object& more) {
  for (const auto& [k, v] : more) args[k] = v;
  return args;
}

// The comments of the stream's events, oldest first.
std::vector<std::string> comments_of(Harness& h, const std::string& stream) {
  auto txn = h.engine().begin_read();
  REQUIRE(txn.ok());
  auto events = h.engine().log().read_stream(*txn, stream);
  REQUIRE(events.ok());
  std::vector<std::string> out;
  for (const auto& e : *events) out.push_back(e.comment);
  return out;
}

}  // namespace

TEST_CASE("every decision by a unit or the committee needs a comment saying why (审核意见)") {
  Harness h;
  auto experts = add_experts(h);
  const boost::json::object none{{"comment", ""}};
  const boost::json::object blank{{"comment", " \t\n\xE3\x80\x80"}};  // U+3000 too

  // A branch's own steps are no decisions: they need no comment.
  h.create_brand("b1", "x");
  h.ok(h.branch("b1"), "brand.submit", brand_stream("x"), none);
  // The unit's first review.
  h.refused(h.unit("u1"), "brand.approve", brand_stream("x"), none, "comment_required");
  h.refused(h.unit("u1"), "brand.approve", brand_stream("x"), blank, "comment_required");
  engine::Command c = Harness::command(h.unit("u1"), "brand.approve", brand_stream("x"), {});
  c.comment.clear();  // no comment member at all
  const auto before = h.head();
  auto refused = h.engine().execute(std::move(c));
  REQUIRE(refused.rejection);
  CHECK(h.head() == before);
  CHECK(refused.rejection->code == "comment_required");
  CHECK(refused.rejection->kind == engine::RejectionKind::kRule);
  CHECK(refused.rejection->field == "comment");
  // A return takes both its reason (what to fix, in the event's data) and the comment.
  h.refused(h.unit("u1"), "brand.return", brand_stream("x"), with(none, {{"reason", "请补充"}}),
            "comment_required");
  h.refused(h.unit("u1"), "brand.return", brand_stream("x"), {{"comment", "请补充成效数据"}},
            "invalid_field");
  h.ok(h.unit("u1"), "brand.approve", brand_stream("x"), {{"comment", "材料齐全，同意报送。"}});
  // The committee's filing review.
  h.refused(h.committee, "brand.return", brand_stream("x"), with(none, {{"reason", "请补充"}}),
            "comment_required");
  h.refused(h.committee, "brand.file", brand_stream("x"), blank, "comment_required");
  h.ok(h.committee, "brand.file", brand_stream("x"), {{"comment", "符合备案条件，予以备案。"}});
  CHECK(comments_of(h, brand_stream("x")) ==
        std::vector<std::string>{"", "", "材料齐全，同意报送。", "符合备案条件，予以备案。"});

  // A round: closing, the notice, objections and finalizing are decisions; raising an
  // objection, nominating and scoring are not.
  h.filed_brand("b3", "y");
  h.filed_brand("b5", "z");
  open_and_start(h, "r1", {"x", "y", "z"}, experts);
  for (const char* b : {"x", "y", "z"}) h.score_all("r1", b, 86, experts);
  h.refused(h.committee, "round.close", round_stream("r1"), with(none, {{"force", true}}),
            "comment_required");
  h.ok(h.committee, "round.close", round_stream("r1"));
  h.refused(h.committee, "round.notice", round_stream("r1"), none, "comment_required");
  h.ok(h.committee, "round.notice", round_stream("r1"));
  h.ok(h.branch("b1"), "brand.objection", brand_stream("y"), with(none, {{"reason", "成效存疑"}}));
  h.advance_days(5);
  const boost::json::object dismiss{{"objection", "obj-1"}, {"upheld", false}};
  h.refused(h.committee, "brand.objection_decision", brand_stream("y"), with(dismiss, none),
            "comment_required");
  h.ok(h.committee, "brand.objection_decision", brand_stream("y"), dismiss);
  h.refused(h.committee, "round.finalize", round_stream("r1"), blank, "comment_required");
  h.ok(h.committee, "round.finalize", round_stream("r1"));
  REQUIRE(h.brand("x").status() == BrandStatus::kNamed);

  // Revocation, appeals, cancellation.
  h.refused(h.committee, "brand.revoke", brand_stream("x"),
            with(none, {{"reason", "违纪"}, {"veto", true}}), "comment_required");
  h.ok(h.committee, "brand.revoke", brand_stream("x"), {{"reason", "违纪"}, {"veto", true}});
  h.ok(h.branch("b1"), "brand.appeal", brand_stream("x"), with(none, {{"reason", "申诉"}}));
  h.refused(h.committee, "brand.appeal_decision", brand_stream("x"),
            with(none, {{"granted", false}}), "comment_required");
  h.ok(h.committee, "brand.appeal_decision", brand_stream("x"), {{"granted", false}});
  h.refused(h.committee, "brand.cancel", brand_stream("x"), with(none, {{"reason", "撤并"}}),
            "comment_required");
  h.ok(h.committee, "brand.cancel", brand_stream("x"), {{"reason", "撤并"}});

  // Rectification, after a re-review; a deadline missed is the system's (a timer's).
  h.advance_days(3 * 365);
  through_finalize(h, "rr", {{"y", 65}, {"z", 65}}, experts, {{"kind", "re_review"}});
  REQUIRE(h.brand("y").status() == BrandStatus::kRectifying);
  h.refused(h.committee, "brand.rectification", brand_stream("y"), with(none, {{"passed", true}}),
            "comment_required");
  h.ok(h.committee, "brand.rectification", brand_stream("y"), {{"passed", true}});
  h.advance_days(90);
  CHECK(h.brand("z").status() == BrandStatus::kFiled);
}

TEST_CASE(
    "text is limited in characters, not bytes: names 100, comments and reasons 2,000, "
    "brand content 10,000") {
  Harness h;
  auto experts = add_experts(h);
  auto too_long = [&](const engine::Actor& who, const std::string& type, const std::string& stream,
                      boost::json::object args, const std::string& field) {
    INFO(type << " " << field);
    auto o = h.refused(who, type, stream, std::move(args), "too_long");
    CHECK(o.rejection->kind == engine::RejectionKind::kInvalid);
    CHECK(o.rejection->field == field);
  };

  // Names: orgs, users, brands, rounds, rubric criteria.
  too_long(h.admin, "org.create", "org-u9",
           {{"id", "u9"}, {"name", han(101)}, {"kind", "unit"}, {"parent", "wc"}}, "name");
  h.ok(h.admin, "org.create", "org-u9",
       {{"id", "u9"}, {"name", han(100)}, {"kind", "unit"}, {"parent", "wc"}});
  const boost::json::object user{
      {"id", "aud2"}, {"role", "auditor"}, {"org", "wc"}, {"token_sha256", std::string(64, 'a')}, {"token_id", "tk-2"}};
  too_long(h.admin, "user.create", "user-aud2", with(user, {{"name", han(101)}}), "name");
  h.ok(h.admin, "user.create", "user-aud2", with(user, {{"name", han(100)}}));
  too_long(h.branch("b1"), "brand.create", brand_stream("x"), {{"name", han(101)}}, "name");
  too_long(h.committee, "round.open", round_stream("r0"), {{"name", han(101)}, {"year", 2031}},
           "name");
  too_long(h.committee, "round.open", round_stream("r0"),
           {{"name", "评选"},
            {"year", 2031},
            {"rubric", {{{"key", "k"}, {"name", han(101)}, {"max", 100}}}}},
           "rubric.name");
  too_long(h.committee, "round.open", round_stream("r0"),
           {{"name", "评选"},
            {"year", 2031},
            {"rubric", {{{"key", std::string(101, 'k')}, {"name", "品牌识别"}, {"max", 100}}}}},
           "rubric.key");

  // Content: each field up to 10,000 characters (30,000 bytes here).
  const std::vector<std::string> fields = {"slogan",  "theme",         "connotation", "features",
                                           "effects", "business_link", "logo"};
  boost::json::object full{{"name", han(100)}};
  for (const auto& f : fields) full[f] = han(10000);
  for (const auto& f : fields)
    too_long(h.branch("b1"), "brand.create", brand_stream("x"), with(full, {{f, han(10001)}}), f);
  too_long(h.branch("b1"), "brand.create", brand_stream("x"), with(full, {{"plan", han(10001)}}),
           "plan");
  too_long(h.branch("b1"), "brand.create", brand_stream("x"),
           with(full, {{"plan", {{"tasks", boost::json::array{han(5000), han(5000)}}}}}), "plan");
  too_long(h.branch("b1"), "brand.create", brand_stream("x"),
           with(full, {{"attachments", {{{"name", han(101)}, {"url", "https://x/a.pdf"}}}}}),
           "attachments.name");
  h.ok(h.branch("b1"), "brand.create", brand_stream("x"), with(full, {{"plan", han(10000)}}));
  too_long(h.branch("b1"), "brand.edit", brand_stream("x"), {{"effects", han(10001)}}, "effects");
  too_long(h.branch("b1"), "brand.edit", brand_stream("x"), {{"name", han(101)}}, "name");

  // The comment of any command, and reasons: 2,000.
  too_long(h.branch("b1"), "brand.submit", brand_stream("x"), {{"comment", han(2001)}}, "comment");
  too_long(h.branch("b1"), "brand.submit", brand_stream("x"),
           {{"comment", std::string(1000000, 'x')}}, "comment");
  h.ok(h.branch("b1"), "brand.submit", brand_stream("x"), {{"comment", han(2000)}});
  too_long(h.unit("u1"), "brand.return", brand_stream("x"), {{"reason", han(2001)}}, "reason");
  too_long(h.unit("u1"), "brand.approve", brand_stream("x"), {{"comment", han(2001)}}, "comment");
  h.ok(h.unit("u1"), "brand.approve", brand_stream("x"), {{"comment", han(2000)}});
  h.ok(h.committee, "brand.file", brand_stream("x"));
  too_long(h.branch("b1"), "brand.progress", brand_stream("x"),
           {{"year", 2031}, {"summary", han(10001)}}, "summary");
  h.ok(h.branch("b1"), "brand.progress", brand_stream("x"),
       {{"year", 2031}, {"summary", han(10000)}});

  through_notice(h, "r1", {{"x", 91}}, experts);
  too_long(h.unit("u2"), "brand.objection", brand_stream("x"), {{"reason", han(2001)}}, "reason");
  h.advance_days(5);
  h.ok(h.committee, "round.finalize", round_stream("r1"));
  too_long(h.committee, "brand.revoke", brand_stream("x"), {{"reason", han(2001)}}, "reason");
  h.ok(h.committee, "brand.revoke", brand_stream("x"), {{"reason", han(2000)}});
  too_long(h.branch("b1"), "brand.appeal", brand_stream("x"), {{"reason", han(2001)}}, "reason");
  too_long(h.committee, "brand.cancel", brand_stream("x"), {{"reason", han(2001)}}, "reason");
  too_long(h.admin, "org.dissolve", "org-b1", {{"reason", han(2001)}}, "reason");
}
