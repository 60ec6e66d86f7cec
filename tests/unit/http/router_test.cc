#include "fibdns/http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace fibdns::http {
namespace {

HttpRequest request(std::string_view method, std::string_view path) {
  return HttpRequest{method, path, "", [](const std::string&) { return std::nullopt; }};
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.addWithSlash("GET", "/fibonacci",
                         [](const HttpRequest&) { return textReply(200, "fib"); });
    router_.addWithSlash("PUT", "/register",
                         [](const HttpRequest&) { return textReply(201, "reg"); });
    router_.add("GET", "/boom",
                [](const HttpRequest&) -> HttpReply { throw std::runtime_error("bad\nthing"); });
  }
  Router router_;
};

TEST_F(RouterTest, DispatchesExactPathAndTrailingSlash) {
  EXPECT_EQ(router_.dispatchNow(request("GET", "/fibonacci")).body, "fib");
  EXPECT_EQ(router_.dispatchNow(request("GET", "/fibonacci/")).body, "fib");
  EXPECT_EQ(router_.dispatchNow(request("PUT", "/register/")).status, 201);
}

TEST_F(RouterTest, UnknownPathIs404WithOneLineText) {
  const HttpReply reply = router_.dispatchNow(request("GET", "/fibonacci//"));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, "not found: /fibonacci//");
  EXPECT_EQ(reply.content_type, kTextPlain);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  const HttpReply reply = router_.dispatchNow(request("POST", "/register"));
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.allow, "PUT");
  EXPECT_EQ(reply.body.find('\n'), std::string::npos);
  EXPECT_EQ(router_.dispatchNow(request("GET", "/register")).status, 405);
  EXPECT_EQ(router_.dispatchNow(request("DELETE", "/fibonacci/")).allow, "GET");
}

TEST_F(RouterTest, ThrowingHandlerIs500WithoutDetails) {
  const HttpReply reply = router_.dispatchNow(request("GET", "/boom"));
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body, "internal error");
}

TEST(ReplyTest, StatusTranslation) {
  EXPECT_EQ(errorReply(invalidArgument("x")).status, 400);
  EXPECT_EQ(errorReply(notFound("x")).status, 404);
  EXPECT_EQ(errorReply(unavailable("x")).status, 502);
  EXPECT_EQ(errorReply(deadlineExceeded("x")).status, 504);
  EXPECT_EQ(errorReply(internalError("x")).status, 500);
  EXPECT_EQ(errorReply(unavailable("line one\nline two")).body, "line one line two");
}

TEST(RouterAsync, AnAsyncHandlerAnswersLater) {
  Router router;
  Respond kept;
  router.addAsyncWithSlash(
      "GET", "/slow", [&kept](const HttpRequest&, Respond respond) { kept = std::move(respond); });
  std::vector<HttpReply> replies;
  router.dispatch(HttpRequest{"GET", "/slow/", "", {}},
                  [&replies](HttpReply reply) { replies.push_back(std::move(reply)); });
  EXPECT_TRUE(replies.empty());
  ASSERT_TRUE(kept);
  kept(textReply(200, "late"));
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_EQ(replies[0].body, "late");
}

TEST(RouterAsync, AThrowBeforeRespondingIs500AndAfterIsOnlyLogged) {
  Router router;
  router.addAsync("GET", "/early",
                  [](const HttpRequest&, Respond) -> void { throw std::runtime_error("early"); });
  router.addAsync("GET", "/late", [](const HttpRequest&, Respond respond) -> void {
    respond(textReply(200, "done"));
    throw std::runtime_error("late");
  });
  std::vector<HttpReply> replies;
  const Respond collect = [&replies](HttpReply reply) { replies.push_back(std::move(reply)); };
  router.dispatch(HttpRequest{"GET", "/early", "", {}}, collect);
  router.dispatch(HttpRequest{"GET", "/late", "", {}}, collect);
  ASSERT_EQ(replies.size(), 2U);
  EXPECT_EQ(replies[0].status, 500);
  EXPECT_EQ(replies[1].status, 200);
}

TEST(RouterAsync, DispatchNowSaysWhenAHandlerDidNotAnswer) {
  Router router;
  router.addAsync("GET", "/never", [](const HttpRequest&, Respond) {});
  EXPECT_EQ(router.dispatchNow(HttpRequest{"GET", "/never", "", {}}).status, 500);
}

}  // namespace
}  // namespace fibdns::http
