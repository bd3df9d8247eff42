#include "net/endpoint.h"

#include <gtest/gtest.h>

namespace chat::net {
namespace {

TEST(EndpointTest, ParsesHostPortForms) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:8080"), (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(parse_endpoint("[::1]:99"), (Endpoint{"::1", 99}));
  EXPECT_EQ(parse_endpoint(":15410"), (Endpoint{"127.0.0.1", 15410}));
  EXPECT_EQ(parse_endpoint("localhost:1"), (Endpoint{"localhost", 1}));
}

TEST(EndpointTest, RejectsBadText) {
  EXPECT_FALSE(parse_endpoint("127.0.0.1"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:65536"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:12x"));
  EXPECT_FALSE(parse_endpoint("::1:80"));  // v6 needs brackets
}

TEST(EndpointTest, FormatsBothFamilies) {
  EXPECT_EQ((Endpoint{"127.0.0.1", 80}).to_string(), "127.0.0.1:80");
  EXPECT_EQ((Endpoint{"::1", 80}).to_string(), "[::1]:80");
}

}  // namespace
}  // namespace chat::net
