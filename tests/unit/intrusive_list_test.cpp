// The registry list threaded through its elements (sockio/io/intrusive_list.hpp).
#include "sockio/io/intrusive_list.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace sockio::io {
namespace {

struct item : list_hook {
  explicit item(int v) : value(v) {}
  int value;
};

std::vector<int> values(const intrusive_list<item>& list) {
  std::vector<int> out;
  list.for_each([&out](item& i) { out.push_back(i.value); });
  return out;
}

TEST(IntrusiveList, KeepsInsertionOrderAndUnlinksFromAnywhere) {
  item a(1), b(2), c(3), d(4);
  intrusive_list<item> list;
  EXPECT_TRUE(list.empty());
  for (auto* i : {&a, &b, &c, &d}) list.push_back(*i);
  EXPECT_EQ(values(list), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(list.size(), 4u);
  list.erase(b);  // middle
  list.erase(d);  // last
  list.erase(a);  // first
  EXPECT_FALSE(a.linked());
  EXPECT_TRUE(c.linked());
  EXPECT_EQ(values(list), (std::vector<int>{3}));
  EXPECT_EQ(list.size(), 1u);
  list.push_back(a);  // an element that left may join again
  EXPECT_EQ(values(list), (std::vector<int>{3, 1}));
}

TEST(IntrusiveList, ErasingAnUnlinkedElementChangesNothing) {
  item a(1), b(2);
  intrusive_list<item> list;
  list.push_back(a);
  list.erase(b);
  list.erase(a);
  list.erase(a);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(values(list), std::vector<int>{});
}

TEST(IntrusiveList, ACopyIsNotLinkedAndTheListUnlinksItsElementsWhenDestroyed) {
  item a(1);
  {
    intrusive_list<item> list;
    list.push_back(a);
    const item copy = a;
    EXPECT_FALSE(copy.linked());
    EXPECT_EQ(list.size(), 1u);
  }
  EXPECT_FALSE(a.linked());
}

}  // namespace
}  // namespace sockio::io
