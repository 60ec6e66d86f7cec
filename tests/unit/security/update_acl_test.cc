#include "fibdns/security/update_acl.h"

#include <gtest/gtest.h>

#include "fibdns/security/tsig_keyfile.h"

namespace fibdns::security {
namespace {

TEST(SplitAllowUpdateList, SeparatesKeysFromAddresses) {
  const auto entries =
      splitAllowUpdateList(" ddns-key , 10.0.0.0/8,127.0.0.1, ::1, key:192.0.2.1, Other.Key. ");
  ASSERT_TRUE(entries.isOk()) << entries.status().message();
  ASSERT_EQ(entries->key_names.size(), 3u);
  EXPECT_EQ(entries->key_names[0].key(), "ddns-key");
  EXPECT_EQ(entries->key_names[1].key(), "192.0.2.1");  // forced by the key: prefix
  EXPECT_EQ(entries->key_names[2].key(), "other.key");
  EXPECT_EQ(entries->addresses, (std::vector<std::string>{"10.0.0.0/8", "127.0.0.1", "::1"}));
}

TEST(SplitAllowUpdateList, EmptyAllowsNoOneAndBadEntriesAreErrors) {
  const auto empty = splitAllowUpdateList("");
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->key_names.empty() && empty->addresses.empty());
  EXPECT_FALSE(splitAllowUpdateList("a,,b").isOk());
  EXPECT_FALSE(splitAllowUpdateList("a..b").isOk());
  EXPECT_FALSE(splitAllowUpdateList("key:").isOk());
}

class UpdateAclTest : public ::testing::Test {
 protected:
  UpdateAclTest() {
    TsigKey listed;
    listed.name = keyNameFromText("ddns-key").value();
    listed.secret = {1};
    TsigKey unlisted = listed;
    unlisted.name = keyNameFromText("other-key").value();
    (void)keys_.add(listed);
    (void)keys_.add(unlisted);
  }

  TsigVerdict verdictFor(const char* key, TsigError error = TsigError::NoError) const {
    TsigVerdict verdict;
    verdict.key = keys_.find(keyNameFromText(key).value());
    verdict.error = error;
    return verdict;
  }

  TsigKeyring keys_;
  const IpAddress loopback_ = IpAddress::v4({127, 0, 0, 1});
  const IpAddress outside_ = IpAddress::v4({192, 0, 2, 1});
};

TEST_F(UpdateAclTest, NothingConfiguredAllowsNoOne) {
  const UpdateAcl acl({}, nullptr);
  EXPECT_TRUE(acl.allowsNobody());
  const TsigVerdict verified = verdictFor("ddns-key");
  EXPECT_FALSE(acl.isAllowed(&verified, loopback_));
  EXPECT_FALSE(acl.isAllowed(nullptr, loopback_));
}

TEST_F(UpdateAclTest, ListedVerifiedKeyAllowsFromAnywhere) {
  const UpdateAcl acl({keyNameFromText("DDNS-Key").value()}, nullptr);
  EXPECT_FALSE(acl.allowsNobody());
  const TsigVerdict listed = verdictFor("ddns-key");
  const TsigVerdict unlisted = verdictFor("other-key");
  const TsigVerdict bad_signature = verdictFor("ddns-key", TsigError::BadSig);
  const TsigVerdict bad_time = verdictFor("ddns-key", TsigError::BadTime);
  EXPECT_TRUE(acl.isAllowed(&listed, outside_));
  EXPECT_FALSE(acl.isAllowed(&unlisted, outside_));
  EXPECT_FALSE(acl.isAllowed(&bad_signature, outside_));
  EXPECT_FALSE(acl.isAllowed(&bad_time, outside_));
  EXPECT_FALSE(acl.isAllowed(nullptr, outside_));
}

TEST_F(UpdateAclTest, SourcePredicateAllowsUnsignedFromItsAddresses) {
  const UpdateAcl acl({}, [this](const IpAddress& source) { return source == loopback_; });
  EXPECT_TRUE(acl.isAllowed(nullptr, loopback_));
  EXPECT_FALSE(acl.isAllowed(nullptr, outside_));
  const TsigVerdict unlisted = verdictFor("other-key");
  EXPECT_TRUE(acl.isAllowed(&unlisted, loopback_));
}

}  // namespace
}  // namespace fibdns::security
