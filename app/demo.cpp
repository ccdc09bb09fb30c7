#include "app/demo.h"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <map>

#include "api/api.h"
#include "core/passwords.h"
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
  const char* work;  // its main business (主责主业), which the brand serves
};
// The seeds' eleven first, byte for byte; then branches of the same kinds of organ.
const Branch kBranches[] = {
    {"gov1", "gov", "市政府机关第一党支部", "党支部", "坚强前哨·巩固后院",
     "服务市政府决策和机关运转"},
    {"xcrb", "media", "宣城日报社机关党支部", "党支部", "宣报党旗分外红", "党报采编和新闻宣传"},
    {"youth", "mass", "团市委机关党支部", "党支部", "三色青春·党建有Young", "引领凝聚青年"},
    {"affairs", "service", "市机关事务局机关党支部", "党支部", "党建+‘四精’后勤",
     "机关事务管理、服务、保障"},
    {"citycc", "city", "市城管执法局城市管理监督指挥中心党支部", "党支部", "12319市民好帮手",
     "受理市民城市管理诉求"},
    {"hrss", "social", "市人社局机关党支部", "党支部", "天地人和·亮赛比",
     "就业、社保和人事人才服务"},
    {"datatax", "data", "市数据资源管理局税务党支部", "党支部", "红蓝融 税先锋",
     "政务服务窗口办税服务"},
    {"women", "mass", "市妇联机关党支部", "党支部", "萱姐姐", "联系服务妇女儿童"},
    {"xilin", "law", "市公安局西林派出所党支部", "党支部", "三元融合铸金盾", "辖区治安和为民服务"},
    {"grid", "soe", "国网宣城供电公司宣州供电服务中心党支部", "党总支", "‘宣’锋引领·‘州’到服务",
     "供电服务和电网保障"},
    {"wuhu1", "office", "中共芜湖市委办公室第一党支部", "党支部", "忠诚奉献尽责 铸就‘四最’机关",
     "办文办会办事“三服务”"},
    {"gov2", "gov", "市政府机关第二党支部", "党支部", "政务先锋·高效服务", "政务信息和督查服务"},
    {"dev", "gov", "市发展改革委机关党委", "党委", "发改先锋·谋划引领", "发展规划和重大项目谋划"},
    {"finance", "gov", "市财政局机关党总支", "党总支", "红色财政·精打细算",
     "预算管理和财政资金保障"},
    {"audit", "gov", "市审计局机关党支部", "党支部", "审计卫士·守护资金", "审计监督"},
    {"stats", "gov", "市统计局机关党支部", "党支部", "数说宣城·真实准确", "统计调查和数据质量管理"},
    {"culture", "media", "市文化和旅游局机关党总支", "党总支", "文旅红·宣城韵", "文化旅游公共服务"},
    {"radio", "media", "市广播电视台机关党委", "党委", "红色声屏·传播正能量", "广播电视宣传"},
    {"archives", "media", "市档案馆党支部", "党支部", "红色档案·薪火相传",
     "档案保管和红色资源利用"},
    {"union", "mass", "市总工会机关党支部", "党支部", "工会之家·职工贴心人", "服务职工群众"},
    {"sci", "mass", "市科协机关党支部", "党支部", "科技先锋·创新引领", "科学普及和服务科技工作者"},
    {"disabled", "mass", "市残联机关党支部", "党支部", "助残暖心·一路同行", "残疾人帮扶服务"},
    {"property", "service", "市机关事务局物业服务中心党支部", "党支部", "红色物业·温馨机关",
     "机关物业服务"},
    {"canteen", "service", "市机关第一食堂党支部", "党支部", "舌尖上的党建", "机关餐饮保障"},
    {"housing", "city", "市住房和城乡建设局机关党委", "党委", "安居宣城·匠心筑梦",
     "住房保障和城乡建设"},
    {"transport", "city", "市交通运输局机关党总支", "党总支", "红色交通·畅行宣城",
     "交通建设和运输服务"},
    {"water", "city", "市水利局机关党支部", "党支部", "治水先锋·安澜宣城", "防汛抗旱和水利建设"},
    {"civil", "social", "市民政局机关党支部", "党支部", "民政为民·情暖万家", "基本民生保障"},
    {"medins", "social", "市医疗保障局机关党支部", "党支部", "医保为民·守护健康", "医保经办服务"},
    {"veterans", "social", "市退役军人事务局机关党支部", "党支部", "崇军拥军·老兵之家",
     "退役军人服务保障"},
    {"bigdata", "data", "市数据资源管理局大数据中心党支部", "党支部", "数字先锋·智慧宣城",
     "政务数据共享和数字政府建设"},
    {"govsvc", "data", "市政务服务中心党总支", "党总支", "一网通办·宣心服务", "“一网通办”政务服务"},
    {"court", "law", "市中级人民法院机关党委", "党委", "公正司法·为民护航", "审判执行"},
    {"justice", "law", "市司法局机关党支部", "党支部", "法润宣城·公平正义",
     "法治宣传和公共法律服务"},
    {"procur", "law", "市人民检察院机关党总支", "党总支", "检察蓝·党旗红", "检察办案"},
    {"transgrp", "soe", "市交通投资集团党委", "党委", "交投先锋·路通民富", "交通基础设施投资建设"},
    {"watergrp", "soe", "市水务集团党支部", "党支部", "水润万家·党建领航", "城市供水服务"},
    {"office2", "office", "市委办公室第二党支部", "党支部", "三服务·出精品", "文稿起草和信息服务"},
    {"research", "office", "市委政策研究室党支部", "党支部", "调研先行·建言献策",
     "政策研究和调查研究"},
    {"confid", "office", "市委机要保密局党支部", "党支部", "忠诚守密·红色机要",
     "机要通信和保密管理"},
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

  // The command's comment is args' "comment", as the API takes it from a request's body.
  engine::CommandOutcome run(const DemoUser& who, std::string type, std::string stream,
                             boost::json::object args = {}) {
    engine::Command c;
    c.type = std::move(type);
    c.stream = std::move(stream);
    c.actor = {who.id, who.name, who.role, who.org};
    if (const auto* comment = args.if_contains("comment"); comment && comment->is_string())
      c.comment = std::string(comment->as_string());
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

// A comment about a branch's brand: {brand}, {branch}, {work} and {year} are filled in.
std::string about(const Branch& b, std::string_view text, int year = 0) {
  return fmt::format(fmt::runtime(text), fmt::arg("brand", b.brand), fmt::arg("branch", b.name),
                     fmt::arg("work", b.work), fmt::arg("year", year));
}

// What a branch, its unit, the committee and the experts write at each step (审核意见),
// several ways, so that the brands' histories do not read alike.
constexpr std::string_view kSubmitted[] = {
    "对照“四有”标准完善了“{brand}”创建材料，经支部委员会讨论通过，申请备案。",
    "“{brand}”围绕{work}培育一年，主题、内涵、特色、效果材料已齐备，提请单位党委初审。",
    "支部党员大会审议通过“{brand}”创建方案和年度计划，现申报备案。"};
constexpr std::string_view kApproved[] = {
    "材料齐全，“{brand}”品牌定位与单位主责主业结合紧密，同意报送机关工委备案。",
    "经单位党委初审，“{brand}”主题鲜明、内涵清晰，紧扣{work}破解党建和业务“两张皮”，同意上报。",
    "“{brand}”创建计划任务明确、措施具体，“四有”要素齐全，同意报送机关工委备案。",
    "经党委会研究，{branch}坚持党建和业务一起谋划、一起部署，品牌在{work}"
    "中成效初显，同意推荐备案。"};
constexpr std::string_view kFiled[] = {
    "经审核，符合党建品牌备案条件，予以备案。",
    "“{brand}”按“四有”标准培育，单位党委初审意见明确，准予备案，纳入市直机关党建品牌库。",
    "经机关工委审核，“{brand}”定位准确、载体清晰，与{work}"
    "结合紧密，予以备案，请持续抓好创建计划落实。",
    "符合备案条件，予以备案；建议进一步提炼“{brand}”的内涵，注重总结可复制、可推广的经验做法。"};
constexpr std::string_view kProgress[] = {
    "{year}年度自评：围绕{work}开展“{brand}"
    "”创建，年度计划各项任务按期完成，党员先锋作用进一步发挥。",
    "{year}年度自评：“{brand}"
    "”开展主题党日和岗位建功活动，服务对象满意度稳步提升，下一步将加强经验总结。"};

// An expert's word on a brand, by the points it gives; experts put it two ways.
std::string scoring_comment(const Branch& b, double total, std::size_t expert) {
  static constexpr std::string_view kBands[][2] = {
      {"“{brand}”特色鲜明，党建引领{work}成效显著，示范辐射作用明显。",
       "现场讲述生动，“{brand}”把党建优势转化为{work}的实效，可在市直机关推广。"},
      {"“{brand}”定位清晰、机制健全，现场讲述有说服力，成效数据较扎实。",
       "“{brand}”载体丰富、台账规范，党员在{work}中的先锋作用体现充分。"},
      {"“{brand}”载体与业务结合较好，成效材料还需进一步量化。",
       "“{brand}”基础扎实，但示范辐射不足，建议加强经验提炼和宣传推广。"},
      {"“{brand}”内涵提炼不够，载体与{work}结合不够紧密，成效不够突出。",
       "“{brand}”活动记录较全，但与{work}融合不深，存在党建和业务“两张皮”现象。"},
      {"“{brand}”创建活动流于形式，台账记录不全，未见实际成效。",
       "“{brand}”创建计划多项任务未落实，现场讲述与材料不符。"}};
  const std::size_t band = total >= 90   ? 0
                           : total >= 85 ? 1
                           : total >= 80 ? 2
                           : total >= 60 ? 3
                                         : 4;
  return about(b, kBands[band][expert % 2]);
}

boost::json::object points(double total) {
  boost::json::object out;
  for (const auto& [key, p] : workflows::spread_over_default_rubric(Decimal::nearest(total)))
    out[key] = workflows::decimal_json(p);
  return out;
}

}  // namespace

Result<std::string> load_demo(engine::Engine& engine, const std::string& admin_token,
                              std::string password) {
  {
    BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine.begin_read());
    BL_ASSIGN_OR_RETURN(auto wc,
                        engine::ViewReader(engine.environment(), txn).get(views::kOrgs, "wc"));
    if (wc)
      return std::string(
          "Demo data is already loaded; log in with the password or the tokens printed then.\n");
  }
  if (password.empty()) password = random_hex(6);
  // One hash for every demo user (one salt): the demo's password is no secret among them,
  // and sixty Argon2id hashes would add seconds to every first start.
  const std::string password_hash = hash_password(password);
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
           {"token_id", api::new_token_id()},
           {"password_hash", password_hash}});
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
           {"business_link", b.work},
           {"plan",
            {{"tasks", {"建机制", "强队伍", "树品牌"}},
             {"milestones", {"一年起步", "两年见效", "三年成型"}}}},
           {"comment", about(b, "支部委员会研究确定以“{brand}”为品牌名称，围绕{work}开始培育。")}});
  }
  w.days(20);
  for (int i = 0; i < 36; ++i)
    w.run(branch_user(kBranches[i]), "brand.submit", brand_stream(kBranches[i].id),
          {{"comment", about(kBranches[i], kSubmitted[i % std::size(kSubmitted)])}});
  w.days(10);
  for (int i = 0; i < 34; ++i)
    w.run(unit_user(kBranches[i]), "brand.approve", brand_stream(kBranches[i].id),
          {{"comment", about(kBranches[i], kApproved[i % std::size(kApproved)])}});
  w.run(unit_user(kBranches[34]), "brand.return", brand_stream(kBranches[34].id),
        {{"reason", "创建计划缺少年度任务和完成时限，成效缺少量化数据"},
         {"comment",
          about(kBranches[34],
                "“{brand}”创建计划只有目标、没有年度任务和完成时限，‘四有’中‘有效果’部分缺少量化"
                "成效，请补充近一年{work}服务群众的数据后重新申报。")}});
  w.days(10);
  for (int i = 0; i < 32; ++i)
    w.run(committee, "brand.file", brand_stream(kBranches[i].id),
          {{"comment", about(kBranches[i], kFiled[i % std::size(kFiled)])}});
  w.run(branch_user(kBranches[34]), "brand.withdraw", brand_stream(kBranches[34].id),
        {{"comment", "支部班子调整，按单位党委退回意见重新修改创建计划，暂撤回申报。"}});

  boost::json::array expert_ids;
  for (const auto& e : experts) expert_ids.push_back(boost::json::string(e.id));
  // A round through to the given step over `brands` scored at `scores`.
  enum class Until { kOpen, kScoring, kClosed, kNotice, kFinalized };
  auto round = [&](const std::string& id, int year, const std::string& kind,
                   const std::vector<int>& brands, const std::vector<double>& scores, Until until,
                   const std::vector<int>& objections = {}) {
    const bool selection = kind == "selection";
    w.run(committee, "round.open", round_stream(id),
          {{"name", fmt::format("{}年度党建品牌{}", year, selection ? "评选" : "复评")},
           {"year", year},
           {"kind", kind},
           {"comment", selection ? fmt::format("按照年度工作安排开展{}年度党建品牌评选，采取集体"
                                               "评审和现场讲述相结合的方式。",
                                               year)
                                 : std::string("对命名满三年的党建品牌开展复评，实行动态管理、"
                                               "优进劣出。")}});
    for (int i : brands)
      w.run(selection ? unit_user(kBranches[i]) : committee, "round.nominate", round_stream(id),
            {{"brand", kBranches[i].id},
             {"comment",
              selection ? about(kBranches[i],
                                "“{brand}”创建成效明显，经单位党委研究，推荐参加{year}年度党建品牌"
                                "评选。",
                                year)
                        : about(kBranches[i], "“{brand}”称号有效期届满，纳入复评。")}});
    if (until == Until::kOpen) return;
    w.run(committee, "round.assign", round_stream(id),
          {{"experts", expert_ids},
           {"comment", "从机关、党校和高校遴选评审专家，专家不评审本单位品牌（回避）。"}});
    w.run(committee, "round.start", round_stream(id),
          {{"comment", "参评材料已分发评审专家，开始评分。"}});
    w.days(7);
    for (std::size_t k = 0; k < brands.size(); ++k)
      for (std::size_t x = 0; x < experts.size(); ++x)
        if (experts[x].org != kBranches[brands[k]].unit)
          w.run(experts[x], "round.score", round_stream(id),
                {{"brand", kBranches[brands[k]].id},
                 {"scores", points(scores[k])},
                 {"comment", scoring_comment(kBranches[brands[k]], scores[k], x)}});
    if (until == Until::kScoring) return;
    w.days(3);
    w.run(committee, "round.close", round_stream(id),
          {{"comment",
            selection ? fmt::format("{}个参评品牌的专家评分已全部完成，按评分规则计算最终得分并"
                                    "排名，提出拟命名名单。",
                                    brands.size())
                      : fmt::format("{}个复评品牌的专家评分已全部完成，按优进劣出原则提出复评"
                                    "结论。",
                                    brands.size())}});
    if (until == Until::kClosed) return;
    w.run(committee, "round.notice", round_stream(id),
          {{"comment", selection ? "评审结果经工委会议研究通过，在市直机关范围内公示5天，接受党员"
                                   "群众监督。"
                                 : "复评结论经工委会议研究通过，在市直机关范围内公示5天。"}});
    for (int i : objections)
      w.run(unit_user(kBranches[(i + 3) % n]), "brand.objection", brand_stream(kBranches[i].id),
            {{"reason", "群众反映材料与实际不符"},
             {"comment", about(kBranches[i],
                               "有服务对象反映“{brand}”申报的服务数据与实际不符，"
                               "请机关工委核实。")}});
    if (until == Until::kNotice) return;
    w.days(5);
    if (objections.size() >= 2) {
      w.run(committee, "brand.objection_decision", brand_stream(kBranches[objections[0]].id),
            {{"objection", "obj-1"},
             {"upheld", true},
             {"comment", about(kBranches[objections[0]],
                               "经调阅活动台账、走访服务对象核实，“{brand}”申报的服务群众数据存在"
                               "夸大，异议成立，不予命名。")}});
      w.run(committee, "brand.objection_decision", brand_stream(kBranches[objections[1]].id),
            {{"objection", "obj-1"},
             {"upheld", false},
             {"comment", about(kBranches[objections[1]],
                               "经调阅活动台账、走访服务对象核实，“{brand}”申报材料与实际相符，"
                               "异议不成立，维持拟命名结果。")}});
    }
    w.run(committee, "round.finalize", round_stream(id),
          {{"comment", selection ? "公示期满，异议已处理完毕，按评审结果予以命名，称号有效期三年。"
                                 : "公示期满，按复评结论予以晋级、保留、降级、限期整改或撤销"
                                   "称号。"}});
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
          {{"year", y0 + 1},
           {"summary", about(kBranches[i], kProgress[i % std::size(kProgress)], y0 + 1)},
           {"comment", "对照年度创建计划完成自评，报单位党委和机关工委。"}});
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
        {{"reason", "评审时未充分考虑本年度成效，申请复核"},
         {"comment", about(kBranches[0],
                           "本年度“{brand}”在{work}中新增的成果未纳入复评材料，"
                           "特提出申诉，请机关工委复核。")}});
  // A title revoked by 一票否决, at any time (DOMAIN.md), not by a review.
  w.days(5);
  w.run(committee, "brand.revoke", brand_stream(kBranches[20].id),
        {{"reason", "支部书记受到党内警告处分（一票否决）"},
         {"veto", true},
         {"comment", "该支部书记受到党内警告处分，按照一票否决规定撤销品牌称号。"}});
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
           {"title_bonus", {{"top10", 2}, {"demonstration", 1}, {"excellent", 0.5}}}}},
         {"comment",
          "按年度党建目标管理考核办法，“一支部一品牌”建设占比3%：备案计3分，十佳加2分、"
          "示范加1分、优秀加0.5分。"}});
  w.run(admin, "org.dissolve", org_stream(kBranches[30].id),
        {{"reason", "机构改革，支部撤并"},
         {"comment", about(kBranches[30],
                           "根据机构改革方案，{branch}撤并，其党建品牌“{brand}”"
                           "依规注销。")}});
  BL_RETURN_IF_ERROR(w.error());

  BL_ASSIGN_OR_RETURN(storage::ReadTxn txn, engine.begin_read());
  BL_ASSIGN_OR_RETURN(storage::LogHead head, engine.log().head(txn));
  std::string out = fmt::format(
      "BrandLedger demo data loaded: 宣城市直机关工委, {} units, {} branches and their brands, {} "
      "events.\n"
      "Every demo user logs in with its user id and the demo password: {}\n"
      "  in a browser at http://HOST:PORT/, or with curl:\n"
      "  curl -c jar -H 'Content-Type: application/json' -d "
      "'{{\"user\":\"zhang\",\"password\":\"{}\"}}' http://HOST:PORT/v1/session\n"
      "Scripts use a bearer token, e.g. curl -H 'Authorization: Bearer TOKEN' "
      "http://HOST:PORT/v1/me; one per role:\n",
      std::size(kUnits), n, head.position, password, password);
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
