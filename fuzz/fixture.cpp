#include "fuzz/fixture.h"

#include <stdlib.h>

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <future>
#include <stdexcept>

#include "views/projections.h"

namespace brandledger::fuzz {
namespace {

constexpr const char* kAdminToken = "fuzz-admin-token-0123456789abcdef";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz fixture: %s\n", what.c_str());
  std::abort();
}

boost::json::object made(const api::Response& r, const std::string& what) {
  if (r.status >= 300) fail(what + ": " + std::to_string(r.status) + " " + r.body);
  return boost::json::parse(r.body).as_object();
}

std::string text(const boost::json::value& v) { return std::string(v.as_string()); }

void build(Fixture& f) {
  char tmpl[] = "/tmp/brandledger-fuzz-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) fail("mkdtemp");
  f.dir = tmpl;
  engine::EngineOptions options;
  options.data_dir = f.dir;
  options.manual_clock = true;  // no timer fires between inputs
  auto e = engine::Engine::open(options, views::make_full_domain());
  if (!e.ok()) fail(e.status().to_string());
  f.engine = std::move(e).value();
  if (Status s = api::bootstrap_admin(*f.engine, kAdminToken); !s.ok()) fail(s.to_string());
  // The Api's work runs where it is posted from: one input at a time, nothing to overlap.
  f.api = std::make_unique<api::Api>(*f.engine, [](std::function<void()> work) { work(); });
  f.tokens[kAdmin] = kAdminToken;

  auto org = [&](const char* id, const char* kind, const char* parent) {
    boost::json::object o{{"id", id}, {"name", std::string(id) + " 组织"}, {"kind", kind}};
    if (parent != nullptr) o["parent"] = parent;
    if (std::string(kind) == "branch") o["org_type"] = "党支部";
    made(f.call(kAdmin, "POST", "/v1/orgs", boost::json::serialize(o)), "org");
  };
  org("wc", "committee", nullptr);
  org("u1", "unit", "wc");
  org("u2", "unit", "wc");
  org("b1", "branch", "u1");
  auto user = [&](Role role, const char* id, const char* kind, const char* scope) {
    boost::json::object o{{"id", id}, {"name", std::string(id) + " 同志"}, {"role", kind},
                          {"org", scope}};
    auto u = made(f.call(kAdmin, "POST", "/v1/users", boost::json::serialize(o)), "user");
    f.tokens[role] = text(u.at("token"));
  };
  user(kCommittee, "committee", "committee", "wc");
  user(kUnit, "unit", "unit", "u1");
  user(kBranch, "branch", "branch", "b1");
  user(kExpert, "expert", "expert", "u2");
  user(kAuditor, "auditor", "auditor", "wc");

  auto brand = made(f.call(kBranch, "POST", "/v1/brands",
                           R"({"name":"红色引擎","slogan":"党旗红","theme":"主题","connotation":"内涵",)"
                           R"("features":"特色","effects":"效果","business_link":"业务"})"),
                    "brand");
  f.brand = text(brand.at("id"));
  const std::string b = "/v1/brands/" + f.brand;
  made(f.call(kBranch, "POST", b + "/submit", "{}"), "submit");
  made(f.call(kUnit, "POST", b + "/approve", R"({"comment":"同意"})"), "approve");
  made(f.call(kCommittee, "POST", b + "/file", R"({"comment":"予以备案"})"), "file");
  auto round = made(f.call(kCommittee, "POST", "/v1/rounds", R"({"name":"年度评选","year":2026})"),
                    "round");
  f.round = text(round.at("id"));

  // The actors the tokens stand for, for commands given to the engine directly.
  const std::array<std::pair<const char*, const char*>, kRoles> who = {{{"admin", "admin"},
                                                                        {"committee", "committee"},
                                                                        {"unit", "unit"},
                                                                        {"branch", "branch"},
                                                                        {"expert", "expert"},
                                                                        {"auditor", "auditor"},
                                                                        {"", ""}}};
  const std::array<const char*, kRoles> orgs = {"wc", "wc", "u1", "b1", "u2", "wc", ""};
  for (int r = 0; r < kRoles; ++r) {
    f.actors[r].id = who[r].first;
    f.actors[r].name = std::string(who[r].first) + " 同志";
    f.actors[r].role = who[r].second;
    f.actors[r].org = orgs[r];
  }
}

}  // namespace

api::Response Fixture::call(api::Request request) {
  std::promise<api::Response> answer;
  auto future = answer.get_future();
  api->handle(std::move(request), [&answer](api::Response r) { answer.set_value(std::move(r)); });
  return future.get();
}

std::string Fixture::with_ids(std::string text) const {
  for (const auto& [name, id] : {std::pair<std::string, std::string>{"{brand}", brand}, {"{round}", round}})
    for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + id.size()))
      text.replace(at, name.size(), id);
  return text;
}

api::Response Fixture::call(Role role, const std::string& method, const std::string& target,
                            const std::string& body) {
  api::Request r;
  r.method = method;
  if (!api::parse_target(target, &r)) fail("bad target " + target);
  if (!tokens[role].empty()) r.headers.emplace_back("authorization", "Bearer " + tokens[role]);
  if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
  r.body = body;
  r.remote = "127.0.0.1";
  return call(std::move(r));
}

Fixture& fixture() {
  static Fixture* f = [] {
    auto* made = new Fixture();
    build(*made);
    std::atexit([] {
      std::error_code ec;
      const std::string dir = fixture().dir;
      fixture().api.reset();
      fixture().engine->stop();
      std::filesystem::remove_all(dir, ec);
    });
    return made;
  }();
  return *f;
}

}  // namespace brandledger::fuzz
