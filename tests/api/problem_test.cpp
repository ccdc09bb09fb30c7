// The problem+json pieces on their own: which Accept-Language prefers Chinese, and what a
// problem becomes in Chinese.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "api/problem.h"

namespace brandledger {

TEST_CASE("Accept-Language: the range with the highest q decides") {
  CHECK(api::prefers_chinese("zh-CN"));
  CHECK(api::prefers_chinese("zh"));
  CHECK(api::prefers_chinese("zh-Hans-CN, en;q=0.5"));
  CHECK(api::prefers_chinese("en;q=0.5, ZH-cn"));
  CHECK_FALSE(api::prefers_chinese(""));
  CHECK_FALSE(api::prefers_chinese("en-US,en;q=0.9,zh;q=0.8"));
  CHECK_FALSE(api::prefers_chinese("zh;q=0"));
  CHECK_FALSE(api::prefers_chinese("zhx, en;q=0.1"));
  CHECK_FALSE(api::prefers_chinese("*"));
}

TEST_CASE("a problem in Chinese keeps its code, status and field and takes a rule's own words") {
  api::Response r = api::problem(400, "invalid_field", "year: required", "year");
  api::localize_problem(r);
  auto body = boost::json::parse(r.body).as_object();
  CHECK(body.at("code") == "invalid_field");
  CHECK(body.at("status") == 400);
  CHECK(body.at("field") == "year");
  CHECK(body.at("title") == "请求有误");
  CHECK(body.at("detail") == "填写的内容有误或缺失（年度）");

  engine::Rejection rule{engine::RejectionKind::kRule, "notice_not_ended", "ends later", {}, "公示期至某日结束"};
  api::Response refused = api::problem(rule);
  api::localize_problem(refused);
  CHECK(boost::json::parse(refused.body).at("detail") == "公示期至某日结束");
  // A code the table does not know still reads as Chinese.
  api::Response other = api::problem(409, "some_new_code", "x");
  api::localize_problem(other);
  CHECK(boost::json::parse(other.body).at("detail") == "请求未能完成");
  CHECK(boost::json::parse(other.body).at("title") == "当前状态不允许");
  // Not a problem: left alone.
  api::Response ok;
  ok.body = R"({"detail":"x"})";
  api::localize_problem(ok);
  CHECK(ok.body == R"({"detail":"x"})");
}

}  // namespace brandledger
