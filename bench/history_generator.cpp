// Writes years of a large programme's history into a data dir, through the engine (the
// same commands, deciders, projections and timers a server runs; no HTTP), for the
// measurements of bench/scale_bench.sh (docs/PERFORMANCE.md "At scale").
//
//   history_generator --data DIR [--branches 100000] [--units 500] [--years 20] [--seed 1]
//                     [--tokens FILE]
//
// The defaults give about ten million events: 100,000 branches under 500 units and one work
// committee, twenty years ending today. Every branch secretary has an account; the branches'
// brands are created over the first three years (the seeds' goal: full coverage in two to
// three), filed after a unit's review (some returned first), edited each quarter and
// self-assessed each year; each year every unit nominates a brand to one of the selection
// rounds, whose experts score it, and titles are given after a notice with objections;
// titles come up for re-review after three years with every outcome (promoted, retained,
// demoted, rectification passed, failed or left to its deadline's timer, revoked), appeals
// are granted or rejected, a few titles are left to expire by their timer, one is revoked
// for a discipline breach each year, and about one branch in two hundred is dissolved and
// replaced each year. The business clock is the engine's manual clock, started years back
// and moved forward step by step, so that every timer fires on its day.
//
// Commands are submitted without waiting for each answer (up to --in-flight at once): the
// writer's group commit then makes transactions of up to max_batch commands. The generator
// keeps a compact copy of each brand's state to choose commands the rules accept, and reads
// the views back where outcomes are the engine's to decide (results, timers). Every refusal
// is counted and the first few printed: a run should refuse none.
//
// --tokens FILE receives a bearer token for one user of each role (JSON), for the readers of
// the scale benchmark; every other user's token is random and forgotten.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/api.h"
#include "core/decimal.h"
#include "core/sha256.h"
#include "core/time.h"
#include "engine/engine.h"
#include "engine/views.h"
#include "views/keys.h"
#include "views/projections.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"
#include "workflows/scoring.h"

namespace bl = brandledger;
using bl::Timestamp;
using bl::workflows::brand_stream;
using bl::workflows::org_stream;
using bl::workflows::round_stream;
using bl::workflows::user_stream;

namespace {

struct Options {
  std::string data;
  int branches = 100'000;
  int units = 500;
  int years = 20;
  std::uint64_t seed = 1;
  std::size_t in_flight = 8192;
  std::string tokens;
};

struct Who {
  std::string id, name, role, org;
};

// Submits commands in order without waiting for their answers, at most `limit` at once.
class Feeder {
 public:
  Feeder(bl::engine::Engine& engine, std::size_t limit) : engine_(engine), limit_(limit) {}

  void at(Timestamp t) { cursor_ = std::max(cursor_, t); }
  // Moves the business time on by `micros` (commands of one step are spaced so).
  void step(std::int64_t micros) { cursor_ = bl::from_micros(bl::to_micros(cursor_) + micros); }
  Timestamp now() const { return cursor_; }

  void run(const Who& who, std::string type, std::string stream, boost::json::object args,
           std::string comment = {}) {
    bl::engine::Command c;
    c.type = std::move(type);
    c.stream = std::move(stream);
    c.actor = {who.id, who.name, who.role, who.org};
    c.comment = std::move(comment);
    c.args = std::move(args);
    c.occurred_at = cursor_;
    {
      std::unique_lock lock(mutex_);
      room_.wait(lock, [&] { return in_flight_ < limit_; });
      ++in_flight_;
    }
    std::string what = c.type + " " + c.stream;
    engine_.submit(std::move(c), [this, what = std::move(what)](bl::engine::CommandOutcome o) {
      std::lock_guard lock(mutex_);
      if (!o.accepted()) {
        const std::string code = o.rejection ? o.rejection->code : o.error.to_string();
        if (++refused_[code] <= 3)
          std::cerr << "refused: " << what << ": " << code << " "
                    << (o.rejection ? o.rejection->detail : "") << "\n";
      }
      if (--in_flight_ < limit_ / 2 || in_flight_ == 0) room_.notify_all();
    });
  }

  // Waits for every submitted command's answer.
  void drain() {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return in_flight_ == 0; });
  }

  // Moves the engine's clock to the business time, firing the timers due by then.
  void advance_clock() {
    drain();
    if (cursor_ <= engine_.now()) return;
    auto moved = engine_.advance_clock(cursor_);
    if (!moved.ok()) {
      std::cerr << "advance_clock: " << moved.status().to_string() << "\n";
      std::exit(1);
    }
  }

  std::uint64_t refused() {
    std::lock_guard lock(mutex_);
    std::uint64_t n = 0;
    for (const auto& [code, count] : refused_) n += count;
    return n;
  }
  std::map<std::string, std::uint64_t> refusals() {
    std::lock_guard lock(mutex_);
    return refused_;
  }

 private:
  bl::engine::Engine& engine_;
  const std::size_t limit_;
  Timestamp cursor_{};
  std::mutex mutex_;
  std::condition_variable room_;
  std::size_t in_flight_ = 0;
  std::map<std::string, std::uint64_t> refused_;
};

// Word pools for names and texts that read like the seeds'.
const char* kCities[] = {"宣城", "芜湖", "合肥", "安庆", "黄山", "池州", "铜陵", "马鞍山", "滁州", "六安"};
const char* kDepartments[] = {
    "发展改革委", "教育局",     "科技局",   "工业和信息化局", "公安局",   "民政局",
    "司法局",     "财政局",     "人社局",   "自然资源局",     "生态环境局", "住建局",
    "交通运输局", "水利局",     "农业农村局", "商务局",         "文旅局",   "卫健委",
    "退役军人事务局", "应急管理局", "审计局", "市场监管局",     "统计局",   "医保局",
    "林业局",     "数据资源局", "城管执法局", "机关事务局",     "档案馆",   "总工会",
    "团市委",     "妇联",       "科协",     "残联",           "供电公司", "水务集团",
    "交投集团",   "城投集团",   "日报社",   "广播电视台",     "中级法院", "检察院",
    "税务局",     "邮政分公司", "烟草公司", "气象局",         "消防救援支队", "疾控中心",
    "人民医院",   "党校"};
const char* kOffices[] = {"机关", "办公室", "综合科", "业务科", "服务中心", "执法大队", "窗口",
                          "监督科", "规划科", "信息中心", "财务科", "法规科", "直属所", "分局"};
const char* kOrgTypes[] = {"党支部", "党支部", "党支部", "党支部", "党总支", "党委"};
const char* kBrandHeads[] = {"红色", "先锋", "初心", "匠心", "暖心", "清风", "青春", "铁军", "连心",
                             "聚力", "惠民", "领航", "筑梦", "守护", "亮剑", "燎原"};
const char* kBrandTails[] = {"引领", "服务", "护航", "解忧", "先行", "在线", "驿站", "工作室",
                             "直通车", "加油站", "同心圆", "e站", "110", "先锋岗"};
const char* kWorks[] = {"政务服务", "行政执法", "公共服务", "民生保障", "项目建设", "窗口办事",
                        "基层治理", "安全生产", "生态保护", "科技创新", "文化惠民", "应急保障"};
const char* kEffects[] = {
    "{year}年第{q}季度：围绕{work}开展“{brand}”主题活动{n}次，党员示范岗亮诺践诺，服务群众{m}人次，满意度{p}%。",
    "{year}年第{q}季度：“{brand}”持续推进党建和业务深度融合，完成{work}重点任务{n}项，收到表扬信和锦旗{m}件。",
    "{year}年第{q}季度：支部党员结对帮扶{n}户，“{brand}”志愿服务队在{work}一线解决群众急难愁盼问题{m}件。",
    "{year}年第{q}季度：“{brand}”创建台账规范完整，组织主题党日{n}次、专题学习{m}次，{work}效率提升{p}%。"};
const char* kProgress[] = {
    "{year}年度自评：对照创建计划，“{brand}”年度任务全部完成，党员先锋作用充分发挥，{work}群众满意度{p}%。",
    "{year}年度自评：“{brand}”品牌内涵进一步丰富，形成可复制的经验做法{n}项，{work}中的堵点难点明显减少。",
    "{year}年度自评：“{brand}”在{work}中亮身份、作表率，全年服务群众{m}人次，下一步将加强宣传推广。"};

template <std::size_t N>
const char* pick(const char* const (&pool)[N], std::uint64_t i) {
  return pool[i % N];
}

std::string fill(std::string_view text, const std::string& brand, const std::string& work, int year,
                 int q, std::mt19937_64& rng) {
  return fmt::format(fmt::runtime(text), fmt::arg("brand", brand), fmt::arg("work", work),
                     fmt::arg("year", year), fmt::arg("q", q),
                     fmt::arg("n", 2 + rng() % 30), fmt::arg("m", 50 + rng() % 5000),
                     fmt::arg("p", 90 + rng() % 10));
}

enum class Local : std::uint8_t { kNone, kCultivating, kSubmitted, kFiled, kNamed, kBusy, kGone };

struct Branch {
  std::string id, unit, name, org_type, brand, work;
  Local state = Local::kNone;
  int start_year = 0;     // the year its brand is created (relative)
  int cool_until = -1;    // no selection before this year (relative): a revoked title's cooling-off
  float quality = 80;     // what experts see in it, give or take
};

class Generator {
 public:
  Generator(bl::engine::Engine& engine, const Options& o, Timestamp start)
      : engine_(engine), o_(o), feed_(engine, o.in_flight), rng_(o.seed), start_(start) {}

  void run();

 private:
  Timestamp day(int year, int d) const { return bl::add_days(bl::add_years(start_, year), d); }
  // Spreads `count` commands over `days` days from the cursor.
  std::int64_t spacing(int days, std::size_t count) const {
    return count == 0 ? 0 : std::int64_t{days} * 86'400'000'000 / static_cast<std::int64_t>(count);
  }
  int calendar_year() const { return bl::utc_year(feed_.now()); }
  std::string token_for(const std::string& user) {
    std::string t = bl::api::new_token();
    if (!o_.tokens.empty() && keep_token_.count(user)) tokens_[user] = t;
    return t;
  }
  void create_user(const Who& u) {
    feed_.run(admin_, "user.create", user_stream(u.id),
              {{"id", u.id},
               {"name", u.name},
               {"role", u.role},
               {"org", u.org},
               {"token_sha256", bl::to_hex(bl::sha256(token_for(u.id)))},
               {"token_id", bl::api::new_token_id()}});
  }
  Who secretary(const Branch& b) const { return {"s-" + b.id, "支部书记", "branch", b.id}; }
  Who unit_user(const std::string& unit) const {
    return {unit + "-unit", "党委专职副书记", "unit", unit};
  }
  void new_branch(int year);
  void setup();
  void brands_of_year(int year);
  void quarterly_edits(int year, int q);
  void yearly_progress(int year);
  void churn(int year);
  void selection_rounds(int year);
  void re_review_rounds(int year);
  void after_re_review(const std::vector<std::size_t>& brands);
  // Runs rounds of one kind, one per group of brands (indexes into branches_).
  void rounds(bool selection, const std::vector<std::vector<std::size_t>>& groups);
  // Reads every brand's state from the views (brand_keys) into the local copy.
  void refresh_states(int year);
  // `drift`: how far the brand has moved since it was last judged (re-reviews).
  boost::json::object expert_points(const Branch& b, int expert, double drift) {
    std::normal_distribution<double> noise(0, 2.5);
    double total = std::clamp(b.quality + drift + noise(rng_) + (expert % 3 - 1), 30.0, 99.0);
    boost::json::object out;
    for (const auto& [key, p] :
         bl::workflows::spread_over_default_rubric(bl::Decimal::nearest(total)))
      out[key] = bl::workflows::decimal_json(p);
    return out;
  }

  bl::engine::Engine& engine_;
  const Options& o_;
  Feeder feed_;
  std::mt19937_64 rng_;
  Timestamp start_;
  Who admin_{"admin", "系统管理员", "admin", ""};
  Who committee_{"committee", "张主任", "committee", "wc"};
  Who auditor_{"auditor", "李纪检", "auditor", "wc"};
  std::vector<Who> experts_;
  std::vector<std::string> units_;
  std::vector<Branch> branches_;
  std::map<std::string, std::size_t> index_;  // branch id -> branches_ index
  std::set<std::string> keep_token_;
  std::map<std::string, std::string> tokens_;
  int next_branch_ = 0;
};

void Generator::new_branch(int year) {
  const int n = next_branch_++;
  Branch b;
  b.id = fmt::format("b{:06}", n);
  b.unit = units_[static_cast<std::size_t>(n) % units_.size()];
  const std::uint64_t u = static_cast<std::uint64_t>(n) % units_.size();
  b.name = fmt::format("{}{}{}第{}{}", pick(kCities, u / std::size(kDepartments)),
                       pick(kDepartments, u), pick(kOffices, rng_()),
                       n / static_cast<int>(units_.size()) + 1, "党支部");
  b.org_type = pick(kOrgTypes, rng_());
  b.brand = fmt::format("{}{}·{}", pick(kBrandHeads, rng_()), pick(kBrandTails, rng_()),
                        pick(kBrandHeads, rng_()));
  b.work = pick(kWorks, rng_());
  b.start_year = year == 0 ? n % 3 : year;
  std::normal_distribution<float> quality(80, 7);
  b.quality = std::clamp(quality(rng_), 50.0f, 97.0f);
  feed_.run(admin_, "org.create", org_stream(b.id),
            {{"id", b.id},
             {"name", b.name},
             {"kind", "branch"},
             {"parent", b.unit},
             {"org_type", b.org_type}});
  index_[b.id] = branches_.size();
  branches_.push_back(std::move(b));
  create_user(secretary(branches_.back()));
}

void Generator::setup() {
  feed_.at(day(0, 0));
  keep_token_ = {"admin", "committee", "auditor", "u000-unit", "s-b000000", "expert00"};
  create_user(admin_);
  feed_.run(admin_, "org.create", org_stream("wc"),
            {{"id", "wc"}, {"name", "市直机关工委"}, {"kind", "committee"}});
  for (int u = 0; u < o_.units; ++u) {
    const std::string id = fmt::format("u{:03}", u);
    units_.push_back(id);
    feed_.run(admin_, "org.create", org_stream(id),
              {{"id", id},
               {"name", fmt::format("{}市{}机关党委", pick(kCities, u / std::size(kDepartments)),
                                    pick(kDepartments, u))},
               {"kind", "unit"},
               {"parent", "wc"}});
  }
  create_user(committee_);
  create_user(auditor_);
  const char* surnames[] = {"陈", "刘", "周", "吴", "郑", "孙", "王", "赵", "钱", "冯"};
  const char* titles[] = {"教授", "研究员", "老师", "专家"};
  for (int e = 0; e < 40; ++e) {
    experts_.push_back({fmt::format("expert{:02}", e),
                        fmt::format("{}{}", surnames[e % 10], titles[e / 10 % 4]), "expert",
                        units_[static_cast<std::size_t>(e * 37) % units_.size()]});
    create_user(experts_.back());
  }
  for (const std::string& u : units_) create_user(unit_user(u));
  feed_.step(60'000'000);
  const std::int64_t gap = spacing(20, static_cast<std::size_t>(o_.branches));
  for (int i = 0; i < o_.branches; ++i) {
    new_branch(0);
    feed_.step(gap);
  }
}

// 培育 → 备案 for the brands that start this year: created, submitted, reviewed by the unit
// (one in thirty returned, fixed and submitted again), filed.
void Generator::brands_of_year(int year) {
  std::vector<std::size_t> starting, late;
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    if (branches_[i].state == Local::kNone && branches_[i].start_year == year)
      starting.push_back(i);
    if (branches_[i].state == Local::kCultivating) late.push_back(i);  // last year's stragglers
  }
  feed_.at(day(year, 30));
  std::int64_t gap = spacing(30, starting.size());
  for (std::size_t i : starting) {
    Branch& b = branches_[i];
    feed_.run(secretary(b), "brand.create", brand_stream(b.id),
              {{"name", b.brand},
               {"slogan", "党建引领 业务融合"},
               {"theme", fmt::format("{}的党建品牌", b.name)},
               {"connotation", fmt::format("把支部建在{}链条上，破解党建和业务“两张皮”", b.work)},
               {"features", "一支部一特色，一党员一旗帜，一岗位一承诺"},
               {"effects", fmt::format("围绕{}，党员示范岗全覆盖，群众满意度稳步提升", b.work)},
               {"business_link", b.work},
               {"plan",
                {{"tasks", {"建机制", "强队伍", "树品牌"}},
                 {"milestones", {"一年起步", "两年见效", "三年成型"}}}}},
              fmt::format("支部委员会研究确定以“{}”为品牌名称，围绕{}开始培育。", b.brand, b.work));
    b.state = Local::kCultivating;
    feed_.step(gap);
  }
  // One in twenty stays in cultivation another year.
  std::vector<std::size_t> submitting;
  for (std::size_t i : late) submitting.push_back(i);
  for (std::size_t i : starting)
    if (rng_() % 20 != 0) submitting.push_back(i);
  feed_.at(day(year, 70));
  gap = spacing(10, submitting.size());
  for (std::size_t i : submitting) {
    Branch& b = branches_[i];
    feed_.run(secretary(b), "brand.submit", brand_stream(b.id), {},
              fmt::format("对照“四有”标准完善了“{}”创建材料，经支部委员会讨论通过，申请备案。", b.brand));
    b.state = Local::kSubmitted;
    feed_.step(gap);
  }
  feed_.at(day(year, 85));
  std::vector<std::size_t> returned;
  gap = spacing(10, submitting.size());
  for (std::size_t i : submitting) {
    Branch& b = branches_[i];
    if (rng_() % 30 == 0) {
      feed_.run(unit_user(b.unit), "brand.return", brand_stream(b.id),
                {{"reason", "创建计划缺少年度任务和完成时限，成效缺少量化数据"}},
                fmt::format("“{}”创建计划只有目标、没有年度任务和完成时限，请补充后重新申报。", b.brand));
      returned.push_back(i);
    } else {
      feed_.run(unit_user(b.unit), "brand.approve", brand_stream(b.id), {},
                fmt::format("材料齐全，“{}”品牌定位与{}结合紧密，同意报送机关工委备案。", b.brand, b.work));
    }
    feed_.step(gap);
  }
  feed_.at(day(year, 100));
  for (std::size_t i : returned) {
    const Branch& b = branches_[i];
    feed_.run(secretary(b), "brand.edit", brand_stream(b.id),
              {{"plan",
                {{"tasks", {"建机制", "强队伍", "树品牌", "抓成效"}},
                 {"milestones", {"第一季度完成制度建设", "年中开展主题活动", "年底总结评估"}}}}},
              "按单位党委意见补充年度任务和完成时限。");
    feed_.run(secretary(b), "brand.submit", brand_stream(b.id), {}, "修改完善后重新申报。");
    feed_.step(60'000'000);
  }
  feed_.at(day(year, 105));
  for (std::size_t i : returned)
    feed_.run(unit_user(branches_[i].unit), "brand.approve", brand_stream(branches_[i].id), {},
              "补充材料已齐全，同意报送机关工委备案。");
  feed_.at(day(year, 110));
  gap = spacing(15, submitting.size());
  for (std::size_t i : submitting) {
    Branch& b = branches_[i];
    feed_.run(committee_, "brand.file", brand_stream(b.id), {},
              fmt::format("“{}”按“四有”标准培育，单位党委初审意见明确，准予备案，纳入党建品牌库。", b.brand));
    b.state = Local::kFiled;
    feed_.step(gap);
  }
  for (std::size_t i : starting)
    if (branches_[i].state == Local::kCultivating) branches_[i].start_year = year + 1;
}

void Generator::quarterly_edits(int year, int q) {
  feed_.at(day(year, 91 * q + 3));
  const std::int64_t gap = spacing(25, branches_.size());
  const int cy = calendar_year();
  for (Branch& b : branches_) {
    feed_.step(gap);
    if (b.state != Local::kCultivating && b.state != Local::kFiled && b.state != Local::kNamed)
      continue;
    feed_.run(secretary(b), "brand.edit", brand_stream(b.id),
              {{"effects", fill(pick(kEffects, rng_()), b.brand, b.work, cy, q + 1, rng_)}},
              fmt::format("更新{}年第{}季度创建成效。", cy, q + 1));
  }
}

void Generator::yearly_progress(int year) {
  feed_.at(day(year, 340));
  const std::int64_t gap = spacing(20, branches_.size());
  const int cy = calendar_year();
  for (Branch& b : branches_) {
    feed_.step(gap);
    if (b.state != Local::kFiled && b.state != Local::kNamed) continue;
    feed_.run(secretary(b), "brand.progress", brand_stream(b.id),
              {{"year", cy}, {"summary", fill(pick(kProgress, rng_()), b.brand, b.work, cy, 4, rng_)}},
              "对照年度创建计划完成自评，报单位党委和机关工委。");
  }
}

// About one branch in two hundred is merged away each year (its brand cancelled with it),
// and as many new branches set up, whose brands start this year.
void Generator::churn(int year) {
  feed_.at(day(year, 15));
  const std::size_t n = branches_.size() / 200;
  for (std::size_t k = 0; k < n; ++k) {
    Branch& b = branches_[rng_() % branches_.size()];
    if (b.state == Local::kGone || b.state == Local::kBusy) continue;
    feed_.run(admin_, "org.dissolve", org_stream(b.id), {{"reason", "机构改革，支部撤并"}},
              fmt::format("根据机构改革方案，{}撤并，其党建品牌依规注销。", b.name));
    b.state = Local::kGone;
    feed_.step(1'000'000);
  }
  for (std::size_t k = 0; k < n; ++k) {
    new_branch(year);
    feed_.step(1'000'000);
  }
}

// Runs a year's rounds of one kind side by side, from open to finalize: each step for
// every round, then the next step (a round takes about three weeks of business time).
void Generator::rounds(bool selection, const std::vector<std::vector<std::size_t>>& groups) {
  const int cy = calendar_year();
  std::vector<std::string> ids;
  for (std::size_t r = 0; r < groups.size(); ++r) {
    ids.push_back(fmt::format("{}-{}-{:02}", selection ? "sel" : "rr", cy, r + 1));
    feed_.run(committee_, "round.open", round_stream(ids.back()),
              {{"name", fmt::format("{}年度党建品牌{}（第{}批）", cy, selection ? "评选" : "复评", r + 1)},
               {"year", cy},
               {"kind", selection ? "selection" : "re_review"},
               {"quotas", {{"top10", 2}, {"demonstration", 5}, {"excellent", 8}}}},
              selection ? "按照年度工作安排开展党建品牌评选，采取集体评审和现场讲述相结合的方式。"
                        : "对命名满三年的党建品牌开展复评，实行动态管理、优进劣出。");
    feed_.step(600'000'000);
  }
  feed_.at(bl::add_days(feed_.now(), 1));
  for (std::size_t r = 0; r < groups.size(); ++r)
    for (std::size_t i : groups[r]) {
      Branch& b = branches_[i];
      feed_.run(selection ? unit_user(b.unit) : committee_, "round.nominate", round_stream(ids[r]),
                {{"brand", b.id}},
                selection ? fmt::format("“{}”创建成效明显，经单位党委研究，推荐参评。", b.brand)
                          : fmt::format("“{}”称号有效期届满，纳入复评。", b.brand));
      b.state = Local::kBusy;
      feed_.step(60'000'000);
    }
  feed_.at(bl::add_days(feed_.now(), 1));
  std::vector<std::vector<const Who*>> panels(groups.size());
  for (std::size_t r = 0; r < groups.size(); ++r) {
    boost::json::array experts;
    const std::uint64_t first = rng_() % 8;
    for (std::size_t k = 0; k < 5; ++k) {
      panels[r].push_back(&experts_[(first * 5 + k * 8) % experts_.size()]);
      experts.emplace_back(panels[r].back()->id);
    }
    feed_.run(committee_, "round.assign", round_stream(ids[r]), {{"experts", experts}},
              "从机关、党校和高校遴选评审专家，专家不评审本单位品牌（回避）。");
    feed_.run(committee_, "round.start", round_stream(ids[r]), {},
              "参评材料已分发评审专家，开始评分。");
    feed_.step(600'000'000);
  }
  feed_.at(bl::add_days(feed_.now(), 5));
  // Three years on, some titles have slipped (优进劣出 needs every outcome).
  std::normal_distribution<double> slipped(-4, 9);
  for (std::size_t r = 0; r < groups.size(); ++r)
    for (std::size_t i : groups[r]) {
      const Branch& b = branches_[i];
      const double drift = selection ? 0 : slipped(rng_);
      for (std::size_t e = 0; e < panels[r].size(); ++e) {
        if (panels[r][e]->org == b.unit) continue;  // 回避
        feed_.run(*panels[r][e], "round.score", round_stream(ids[r]),
                  {{"brand", b.id}, {"scores", expert_points(b, static_cast<int>(e), drift)}},
                  fmt::format("“{}”{}", b.brand,
                              b.quality + drift >= 85   ? "特色鲜明，党建引领业务成效显著，示范辐射作用明显。"
                              : b.quality + drift >= 78 ? "定位清晰、机制健全，成效数据较扎实。"
                                                        : "载体与业务结合不够紧密，成效材料还需进一步量化。"));
        feed_.step(30'000'000);
      }
    }
  feed_.at(bl::add_days(feed_.now(), 3));
  for (std::size_t r = 0; r < groups.size(); ++r) {
    feed_.run(committee_, "round.close", round_stream(ids[r]), {},
              fmt::format("{}个品牌的专家评分已全部完成，按评分规则计算最终得分并排名。", groups[r].size()));
    feed_.step(600'000'000);
  }
  feed_.at(bl::add_days(feed_.now(), 1));
  for (std::size_t r = 0; r < groups.size(); ++r) {
    feed_.run(committee_, "round.notice", round_stream(ids[r]), {},
              "评审结果经工委会议研究通过，公示5天，接受党员群众监督。");
    feed_.step(600'000'000);
  }
  const Timestamp notice_ends = bl::add_days(feed_.now(), 6);  // (notice_days 5)
  feed_.drain();
  // An objection in about one selection round in three, against a brand proposed for a title.
  if (selection) {
    feed_.at(bl::add_days(feed_.now(), 1));
    std::vector<const Branch*> objected;
    {
      auto txn = engine_.begin_read();
      bl::engine::ViewReader views(engine_.environment(), *txn);
      for (const auto& group : groups) {
        if (rng_() % 3 != 0) continue;
        for (std::size_t i : group) {
          auto keys = views.get(bl::views::kBrandKeys, branches_[i].id);
          if (keys.ok() && *keys && bl::views::BrandKeys::decode(**keys).state == "public_notice") {
            objected.push_back(&branches_[i]);
            break;
          }
        }
      }
    }
    for (const Branch* b : objected) {
      const std::string other = units_[(index_[b->id] + 1) % units_.size()];
      feed_.run(unit_user(other), "brand.objection", brand_stream(b->id),
                {{"reason", "群众反映材料与实际不符"}},
                fmt::format("有服务对象反映“{}”申报的服务数据与实际不符，请机关工委核实。", b->brand));
      feed_.step(600'000'000);
    }
    feed_.at(bl::add_days(feed_.now(), 2));
    for (const Branch* b : objected) {
      const bool upheld = rng_() % 2 == 0;
      feed_.run(committee_, "brand.objection_decision", brand_stream(b->id),
                {{"objection", "obj-1"}, {"upheld", upheld}},
                upheld ? "经调阅活动台账、走访服务对象核实，申报数据存在夸大，异议成立，不予命名。"
                       : "经调阅活动台账、走访服务对象核实，申报材料与实际相符，异议不成立。");
      feed_.step(600'000'000);
    }
  }
  feed_.at(notice_ends);
  for (std::size_t r = 0; r < groups.size(); ++r) {
    feed_.run(committee_, "round.finalize", round_stream(ids[r]), {},
              selection ? "公示期满，异议已处理完毕，按评审结果予以命名，称号有效期三年。"
                        : "公示期满，按复评结论予以晋级、保留、降级、限期整改或撤销称号。");
    feed_.step(600'000'000);
  }
}

void Generator::selection_rounds(int year) {
  feed_.at(day(year, 150));
  // Each unit nominates one filed brand (outside its cooling-off); fifty units to a round.
  // (Branch n belongs to unit n mod units, new branches included.)
  std::vector<std::vector<std::size_t>> by_unit(units_.size());
  for (std::size_t i = 0; i < branches_.size(); ++i)
    if (branches_[i].state == Local::kFiled && branches_[i].cool_until <= year)
      by_unit[i % units_.size()].push_back(i);
  std::vector<std::vector<std::size_t>> groups(1);
  for (std::size_t u = 0; u < units_.size(); ++u) {
    if (!by_unit[u].empty()) groups.back().push_back(by_unit[u][rng_() % by_unit[u].size()]);
    if (groups.back().size() == 50) groups.emplace_back();
  }
  if (groups.back().empty()) groups.pop_back();
  rounds(true, groups);
}

// Named brands whose title falls due within this year's re-review window, from the
// re_review_due view (about one in twenty is left out and expires by its timer).
void Generator::re_review_rounds(int year) {
  feed_.at(day(year, 120));
  feed_.drain();
  const Timestamp until = day(year + 1, 120);
  std::vector<std::size_t> due;
  {
    auto txn = engine_.begin_read();
    bl::engine::ViewReader views(engine_.environment(), *txn);
    (void)views.scan(bl::views::kReReviewDue, "", [&](std::string_view key, std::string_view) {
      if (key.substr(0, 8) >= bl::views::time_part(until)) return false;
      auto it = index_.find(std::string(key.substr(8)));
      if (it != index_.end() && branches_[it->second].state == Local::kNamed && rng_() % 20 != 0)
        due.push_back(it->second);
      return true;
    });
  }
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t k = 0; k < due.size(); k += 100)
    groups.emplace_back(due.begin() + static_cast<std::ptrdiff_t>(k),
                        due.begin() + static_cast<std::ptrdiff_t>(std::min(k + 100, due.size())));
  if (groups.empty()) return;
  rounds(false, groups);
  after_re_review(due);
}

// Appeals against demotions and revocations; decisions on rectification, some left to the
// deadline's timer.
void Generator::after_re_review(const std::vector<std::size_t>& brands) {
  feed_.drain();
  // Each brand's state after the round, and until when it may appeal (a demotion or a
  // revocation; an earlier decision's window may still show, long closed).
  struct After {
    std::size_t i;
    std::string state;
    std::optional<Timestamp> appeal_until;
  };
  std::vector<After> outcomes;
  {
    auto txn = engine_.begin_read();
    bl::engine::ViewReader views(engine_.environment(), *txn);
    for (std::size_t i : brands) {
      auto doc = views.get(bl::views::kBrands, branches_[i].id);
      if (!doc.ok() || !*doc) continue;
      const boost::json::value v = boost::json::parse(**doc);
      const auto* until = v.as_object().if_contains("appeal_until");
      outcomes.push_back({i, bl::workflows::str(v.as_object(), "state"),
                          until != nullptr && until->is_string()
                              ? bl::parse_rfc3339(std::string(until->as_string()))
                              : std::nullopt});
    }
  }
  feed_.at(bl::add_days(feed_.now(), 3));
  std::vector<std::size_t> appealed;
  for (const auto& [i, state, appeal_until] : outcomes) {
    Branch& b = branches_[i];
    // A brand that lost its title or was demoted: one in three appeals (within 10 days).
    if ((state == "named" || state == "filed" || state == "rectifying") && rng_() % 3 == 0 &&
        appeal_until && *appeal_until > feed_.now()) {
      feed_.run(secretary(b), "brand.appeal", brand_stream(b.id),
                {{"reason", "评审时未充分考虑本年度成效，申请复核"}},
                fmt::format("本年度“{}”在{}中新增的成果未纳入复评材料，特提出申诉，请机关工委复核。",
                            b.brand, b.work));
      appealed.push_back(i);
      feed_.step(600'000'000);
    }
  }
  feed_.at(bl::add_days(feed_.now(), 15));
  for (std::size_t i : appealed) {
    const bool granted = rng_() % 3 == 0;
    feed_.run(committee_, "brand.appeal_decision", brand_stream(branches_[i].id),
              {{"granted", granted}},
              granted ? "经复核，申诉理由成立，恢复原称号。" : "经复核，申诉理由不成立，维持复评结论。");
    feed_.step(600'000'000);
  }
  feed_.drain();
  // Rectification: decided after two months, one in five left to the deadline's timer.
  feed_.at(bl::add_days(feed_.now(), 60));
  {
    auto txn = engine_.begin_read();
    bl::engine::ViewReader views(engine_.environment(), *txn);
    for (std::size_t i : brands) {
      auto keys = views.get(bl::views::kBrandKeys, branches_[i].id);
      if (!keys.ok() || !*keys || bl::views::BrandKeys::decode(**keys).state != "rectifying") continue;
      if (rng_() % 5 == 0) continue;
      const bool passed = rng_() % 4 != 0;
      feed_.run(committee_, "brand.rectification", brand_stream(branches_[i].id),
                {{"passed", passed}},
                passed ? "整改材料经核查，问题已整改到位，保留称号。"
                       : "整改期内问题未整改到位，撤销称号。");
      feed_.step(600'000'000);
    }
  }
}

void Generator::refresh_states(int year) {
  feed_.advance_clock();
  auto txn = engine_.begin_read();
  bl::engine::ViewReader views(engine_.environment(), *txn);
  for (Branch& b : branches_) {
    if (b.state == Local::kNone || b.state == Local::kGone) continue;
    auto keys = views.get(bl::views::kBrandKeys, b.id);
    if (!keys.ok() || !*keys) continue;
    const std::string state = bl::views::BrandKeys::decode(**keys).state;
    const Local was = b.state;
    b.state = state == "cultivating" ? Local::kCultivating
              : state == "submitted" ? Local::kSubmitted
              : state == "filed"     ? Local::kFiled
              : state == "named"     ? Local::kNamed
              : state == "cancelled" ? Local::kGone
                                     : Local::kBusy;
    // A title lost (revoked, expired): two years before the next selection.
    if (b.state == Local::kFiled && (was == Local::kNamed || was == Local::kBusy))
      b.cool_until = year + 3;
  }
}

void Generator::run() {
  const auto t0 = std::chrono::steady_clock::now();
  setup();
  for (int year = 0; year < o_.years; ++year) {
    if (year > 0) churn(year);
    quarterly_edits(year, 0);
    brands_of_year(year);
    quarterly_edits(year, 1);
    refresh_states(year);
    re_review_rounds(year);
    refresh_states(year);
    selection_rounds(year);
    refresh_states(year);
    quarterly_edits(year, 2);
    quarterly_edits(year, 3);
    yearly_progress(year);
    // A title revoked for a discipline breach (一票否决), once a year.
    for (Branch& b : branches_)
      if (b.state == Local::kNamed && rng_() % 50 == 0) {
        feed_.at(day(year, 355));
        feed_.run(committee_, "brand.revoke", brand_stream(b.id),
                  {{"reason", "支部书记受到党内警告处分（一票否决）"}, {"veto", true}},
                  "该支部书记受到党内警告处分，按照一票否决规定撤销品牌称号。");
        break;
      }
    feed_.at(day(year, 364));
    refresh_states(year);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto txn = engine_.begin_read();
    auto head = engine_.log().head(*txn);
    std::cout << fmt::format("year {:>2} ({}): {:>10} events, {:>7.0f} s, {:>8.0f} events/s, {} refused",
                             year + 1, calendar_year(), head->position, s, head->position / s,
                             feed_.refused())
              << std::endl;
    if (feed_.now() >= day(year + 1, 0))
      std::cerr << "year " << year + 1 << " ran past its end: the plan of a year is too long\n";
  }
  feed_.drain();
  for (const auto& [code, n] : feed_.refusals()) std::cout << "refused " << code << ": " << n << "\n";
  if (!o_.tokens.empty()) {
    boost::json::object out;
    for (const auto& [user, token] : tokens_) out[user] = token;
    std::ofstream(o_.tokens) << boost::json::serialize(out) << "\n";
  }
}

int usage() {
  std::cerr << "usage: history_generator --data DIR [--branches N] [--units N] [--years N] "
               "[--seed N] [--in-flight N] [--tokens FILE]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string v = argv[++i];
    if (a == "--data") o.data = v;
    else if (a == "--branches") o.branches = std::stoi(v);
    else if (a == "--units") o.units = std::stoi(v);
    else if (a == "--years") o.years = std::stoi(v);
    else if (a == "--seed") o.seed = std::stoull(v);
    else if (a == "--in-flight") o.in_flight = std::stoul(v);
    else if (a == "--tokens") o.tokens = v;
    else return usage();
  }
  if (o.data.empty() || o.units < 1 || o.branches < o.units || o.years < 1) return usage();
  spdlog::set_level(spdlog::level::warn);

  // The history ends today: it starts `years` back, where the manual clock starts.
  // (Two days short of `years`, so that the last year's last day is yesterday.)
  const Timestamp start = bl::add_days(bl::add_years(bl::system_now(), -o.years), -2);
  bl::engine::EngineOptions eo;
  eo.data_dir = o.data;
  eo.manual_clock = true;
  eo.manual_clock_start = start;
  eo.preallocate_ahead = std::size_t{64} << 20;
  eo.state_cache_limit = 1'000'000;
  auto engine = bl::engine::Engine::open(eo, bl::views::make_full_domain());
  if (!engine.ok()) {
    std::cerr << engine.status().to_string() << "\n";
    return 1;
  }
  {
    auto txn = (*engine)->begin_read();
    if ((*engine)->log().head(*txn)->position != 0) {
      std::cerr << o.data << " holds events already: give an empty directory\n";
      return 1;
    }
  }
  Generator(**engine, o, start).run();
  (*engine)->stop();
  return 0;
}
